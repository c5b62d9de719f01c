import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Bytes read between two turns of the event loop, so that a stop signal is seen within a few milliseconds. */
const YIELD_EVERY = 16 * 1024 * 1024;

/**
 * Reads a file from start to end into one reused buffer. A regular file is read synchronously: from the page
 * cache that is a copy, and a read through the thread pool costs a round trip per block that, with the
 * scan itself, made the reading half of `--verify`'s time (docs/BENCHMARKS.md). The event loop gets a turn
 * every 16 MiB and the abort signal is checked before every block. Anything else (the file was replaced by
 * a FIFO after it was listed) is read asynchronously, so that it can never block the envoy.
 */
export class BlockReader {
  private sinceYield = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly regular: boolean,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static async open(handle: FileHandle, signal?: AbortSignal): Promise<BlockReader> {
    return new BlockReader(handle, (await handle.stat()).isFile(), signal);
  }

  /** Fills `buffer` from `position`; returns the bytes read, 0 at the end of the file. */
  async read(buffer: Buffer, position: number): Promise<number> {
    if (this.sinceYield >= YIELD_EVERY) {
      this.sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.signal?.throwIfAborted();
    if (!this.regular) return (await this.handle.read(buffer, 0, buffer.length, position)).bytesRead;
    const bytesRead = readSync(this.handle.fd, buffer, 0, buffer.length, position);
    this.sinceYield += bytesRead;
    return bytesRead;
  }
}
