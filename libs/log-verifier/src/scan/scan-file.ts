import { promises as fs } from 'node:fs';
import { BlockReader } from './block-reader';
import { byteHistogram } from './histogram';
import { LF, type BlockMatcher, type MatcherFactory, type MatchSink } from './matcher';

export interface ScanLimits {
  /** Bytes read at a time; one buffer of this size is reused for the whole file. */
  readonly chunkSize: number;
  /** A line longer than this is examined on its first maxLineBytes only, so one huge line cannot grow memory. */
  readonly maxLineBytes: number;
  readonly signal?: AbortSignal;
}

/**
 * Streams one file through the matchers of the rules that apply to it, reading it once whatever the number of
 * rules. Memory is one chunk buffer plus one line buffer, however large the file.
 *
 * Lines within a chunk are handed over in place; only the line that straddles a chunk boundary is copied
 * (into the line buffer, up to maxLineBytes). Newlines are not counted here: matchers report byte offsets.
 * @returns the number of bytes read
 */
export async function scanFile(
  file: string,
  factories: readonly MatcherFactory[],
  sinks: readonly MatchSink[],
  limits: ScanLimits,
): Promise<number> {
  const handle = await fs.open(file, 'r');
  try {
    const reader = await BlockReader.open(handle, limits.signal);
    const chunk = Buffer.allocUnsafe(limits.chunkSize);
    let lineBuffer: Buffer | undefined;
    let carried = 0; // bytes of the straddling line kept in lineBuffer
    let carryOffset = -1; // file offset of the straddling line, -1 when the last chunk ended with a newline
    let matchers: BlockMatcher[] | undefined;
    let offset = 0;

    const scan = (block: Buffer, blockOffset: number): void => {
      for (const matcher of matchers as BlockMatcher[]) matcher.scan(block, blockOffset);
    };
    const carry = (part: Buffer): void => {
      lineBuffer ??= Buffer.allocUnsafe(limits.maxLineBytes);
      const room = limits.maxLineBytes - carried;
      if (room <= 0) return;
      carried += part.copy(lineBuffer, carried, 0, Math.min(part.length, room));
    };
    const flushCarried = (): void => {
      scan((lineBuffer as Buffer).subarray(0, carried), carryOffset);
      carried = 0;
      carryOffset = -1;
    };

    for (;;) {
      const bytesRead = await reader.read(chunk, offset);
      if (bytesRead === 0) break;
      const data = bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
      matchers ??= factories.map((factory, i) => factory.forFile(byteHistogram(data), sinks[i]));

      const firstNewline = data.indexOf(LF);
      if (firstNewline === -1) {
        if (carryOffset === -1) carryOffset = offset;
        carry(data);
        offset += bytesRead;
        continue;
      }
      let bodyStart = 0;
      if (carryOffset !== -1) {
        carry(data.subarray(0, firstNewline + 1));
        flushCarried();
        bodyStart = firstNewline + 1;
      }
      const lastNewline = data.lastIndexOf(LF);
      if (lastNewline >= bodyStart) scan(data.subarray(bodyStart, lastNewline + 1), offset + bodyStart);
      if (lastNewline + 1 < bytesRead) {
        carryOffset = offset + lastNewline + 1;
        carry(data.subarray(lastNewline + 1));
      }
      offset += bytesRead;
    }
    // The last line of a file need not end with a newline.
    if (carryOffset !== -1) flushCarried();
    return offset;
  } finally {
    await handle.close();
  }
}
