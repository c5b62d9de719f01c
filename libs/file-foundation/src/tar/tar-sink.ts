import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { createGzip } from 'node:zlib';
import { fileSink } from '../checksum/file-sink';
import type { ByteSink } from '../checksum/hashed-output';

/** Where the bytes of a tar go, and what they amount to once finished. */
export interface TarSink {
  readonly write: ByteSink;
  /** Ends the stream of bytes; returns digest and size of what reached the file, or undefined: the input's. */
  finish(): Promise<{ sha256: string; size: number } | undefined>;
  /** Stops after a failure. Never throws. */
  abort(): void;
}

/**
 * The tar goes to the file as it is, written synchronously by its one producer (see fileSink); HashedOutput
 * hashes it on the way (the caller says where).
 */
export function plainSink(handle: FileHandle): TarSink {
  return {
    write: fileSink(handle, { blocking: true }),
    finish: async () => undefined,
    abort: () => undefined,
  };
}

// How much compressed output may wait for the disk before zlib is paused.
const MAX_PENDING = 16 * 1024 * 1024;

/**
 * The tar is gzip-compressed (zlib works on libuv's thread pool) and the compressed bytes, the ones the file
 * holds, are hashed here: they are a fraction of the input, so the main thread keeps up.
 */
export function gzipSink(handle: FileHandle): TarSink {
  const gzip = createGzip();
  const hash = createHash('sha256');
  const write = fileSink(handle);
  const outstanding = new Set<(error: unknown) => void>();
  let size = 0;
  let pending = 0;
  let writes: Promise<void> = Promise.resolve();
  let failure: unknown;
  const fail = (error: unknown): void => {
    failure ??= error;
  };
  gzip.on('error', fail);
  gzip.on('data', (chunk: Buffer) => {
    // After a failure the output is thrown away but keeps flowing, so zlib never waits for a reader.
    if (failure !== undefined) return;
    hash.update(chunk);
    const position = size;
    size += chunk.length;
    pending += chunk.length;
    if (pending > MAX_PENDING) gzip.pause();
    writes = writes.then(async () => {
      if (failure === undefined) await write(chunk, position).catch(fail);
      pending -= chunk.length;
      if (gzip.isPaused() && (failure !== undefined || pending <= MAX_PENDING)) gzip.resume();
    });
  });
  const ended = new Promise<void>((resolve, reject) => {
    gzip.once('end', resolve);
    gzip.once('error', reject);
  });
  ended.catch(() => undefined);
  return {
    // zlib calls back once it has consumed the chunk, so the slot may then be reused.
    write: (chunk) =>
      new Promise((resolve, reject) => {
        if (failure !== undefined) {
          reject(failure);
          return;
        }
        outstanding.add(reject);
        gzip.write(chunk, (error) => {
          outstanding.delete(reject);
          if (error) reject(error);
          else resolve();
        });
      }),
    async finish() {
      gzip.end();
      await ended;
      await writes;
      if (failure !== undefined) throw failure;
      return { sha256: hash.digest('hex'), size };
    },
    abort() {
      fail(new Error('tar creation stopped'));
      // A destroyed zlib stream may never call back for the chunk it was working on: settle them all here.
      for (const reject of outstanding) reject(failure);
      outstanding.clear();
      gzip.destroy();
    },
  };
}
