import { promises as fs } from 'node:fs';
import { LF } from './matcher';

/**
 * Turns byte offsets of line starts into 1-based line numbers by counting newlines from the start of the
 * file, only as far as the last offset asked for. Counting every chunk during the scan would cost about a
 * third more on every run; this costs a second read only on runs that have findings, which are rare.
 * Offsets past the end of the file (it shrank meanwhile) get no number.
 * @param offsets sorted ascending
 */
export async function lineNumbers(
  file: string,
  offsets: readonly number[],
  chunkSize: number,
  signal?: AbortSignal,
): Promise<Map<number, number>> {
  const lines = new Map<number, number>();
  if (offsets.length === 0) return lines;
  const handle = await fs.open(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(chunkSize);
    let next = 0;
    let line = 1;
    let position = 0;
    while (next < offsets.length) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(chunk, 0, chunkSize, position);
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
