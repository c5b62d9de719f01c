/**
 * The declared key nearest to a misspelled one, for "did you mean": the closest by edit distance
 * (case-insensitive), when it is close enough to be a slip of the hand rather than another name altogether.
 */
export function nearestKey(key: string, declared: readonly string[]): string | undefined {
  const wanted = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of declared) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  // A third of the key's last segment: `timeoutMinute` and `timeOutMinutes` are slips, `home` for `host` is not.
  const segment = wanted.slice(wanted.lastIndexOf('.') + 1);
  const limit = Math.max(1, Math.floor(segment.length / 3));
  return best !== undefined && best.distance <= limit ? best.key : undefined;
}

/** " (did you mean K?)" for a near miss, empty otherwise. */
export function didYouMean(key: string, declared: readonly string[]): string {
  const nearest = nearestKey(key, declared);
  return nearest === undefined ? '' : ` (did you mean ${nearest}?)`;
}

// Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment).
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      let value = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = value;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}
