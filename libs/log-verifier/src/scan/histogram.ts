/** Byte counts of a sample; a quarter MiB is plenty to tell frequent bytes from rare ones. */
export function byteHistogram(sample: Buffer, limit = 256 * 1024): Uint32Array {
  const counts = new Uint32Array(256);
  const end = Math.min(sample.length, limit);
  for (let i = 0; i < end; i++) counts[sample[i]]++;
  return counts;
}
