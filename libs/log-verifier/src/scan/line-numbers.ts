import { promises as fs } from 'node:fs';
import { BlockReader } from './block-reader';
import { LF } from './matcher';
import type { NewlineCounts } from './newline-counts';

/**
 * Turns byte offsets of line starts into 1-based line numbers by counting newlines from the start of the
 * file, only as far as the last offset asked for. Counting every chunk during the scan would cost about a
 * third more on every run; this costs a second read only on runs that have findings, which are rare. With
 * the counts of a background count (large files), it starts at the block of each offset instead.
 * Offsets past the end of the file (it shrank meanwhile) get no number.
 * @param offsets sorted ascending
 */
export async function lineNumbers(
  file: string,
  offsets: readonly number[],
  chunkSize: number,
  signal?: AbortSignal,
  known?: NewlineCounts,
): Promise<Map<number, number>> {
  const lines = new Map<number, number>();
  if (offsets.length === 0) return lines;
  const handle = await fs.open(file, 'r');
  try {
    const reader = await BlockReader.open(handle, signal);
    const chunk = Buffer.allocUnsafe(chunkSize);
    let next = 0;
    let line = 1;
    let position = 0;
    while (next < offsets.length) {
      if (known) {
        // Jump to the block of the next offset when it lies past the one being read.
        const block = Math.floor(offsets[next] / known.block);
        if (block * known.block > position && block - 1 < known.counts.length) {
          position = block * known.block;
          line = known.counts[block - 1] + 1;
        }
      }
      const bytesRead = await reader.read(chunk, position);
      if (bytesRead === 0) break;
      const data = bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
      let from = 0;
      for (;;) {
        const newline = data.indexOf(LF, from);
        // Every offset up to this newline (or the chunk's end) lies on the current line.
        const limit = newline === -1 ? position + bytesRead - 1 : position + newline;
        while (next < offsets.length && offsets[next] <= limit) lines.set(offsets[next++], line);
        if (newline === -1 || next === offsets.length) break;
        line++;
        from = newline + 1;
      }
      position += bytesRead;
    }
    return lines;
  } finally {
    await handle.close();
  }
}
