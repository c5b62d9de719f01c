import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { Parser } from 'tar';

/** A failure reading the tar file itself (missing, unreadable), as opposed to a failure to parse it. */
export class TarReadError extends Error {
  constructor(readonly error: unknown) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/** A failure to parse the archive: damaged, truncated, not a tar. */
export class TarParseError extends Error {
  constructor(readonly error: unknown) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/** An archive refused for what it would cost to read (a compression bomb, too many members): exit 65. */
export class TarRefusedError extends Error {}

export interface TarStream {
  /** Settles when the parser has seen the end of the archive, or at the first failure, abort or stop(). */
  readonly done: Promise<void>;
  /** Stops reading; `done` rejects with `error`. */
  stop(error: unknown): void;
}

/**
 * A gzip stream that inflates to more than this many times the compressed bytes consumed so far is a
 * compression bomb (node-tar's own limit, which it could only check after inflating a whole read in memory).
 */
export const MAX_COMPRESSION_RATIO = 1000;
// Below this many inflated bytes the ratio is not judged: a small tar of empty files compresses very well.
const RATIO_FROM_BYTES = 16 * 1024 * 1024;
const READ_SIZE = 256 * 1024;
// What gzip hands on at a time: memory is bounded by this, the read size and the parser's one entry.
const INFLATE_CHUNK = 64 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b];

async function isGzip(tarPath: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(tarPath, 'r');
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } catch (error) {
    throw new TarReadError(error);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;
}

/**
 * Feeds a tar file, gzipped or not (recognised from its first bytes), into a node-tar Parser with
 * back-pressure at every stage, so memory stays bounded whatever the compression ratio: the file is read in
 * small pieces, inflated by zlib's streaming gunzip (which waits for its reader), and each piece goes to the
 * parser only when it has taken the one before. A gzip stream whose ratio marks it as a bomb is refused while
 * it is read (TarRefusedError), after at most RATIO_FROM_BYTES were inflated. Reading stops at the archive's
 * end-of-archive blocks: whatever follows them is never buffered. The parser's listeners stay attached after a
 * failure, so a late 'error' event from it never becomes an uncaught exception.
 */
export function streamTar(tarPath: string, parser: Parser, signal?: AbortSignal): TarStream {
  let failure: unknown;
  let failed = false;
  let wake: () => void = () => undefined;
  const streams: Readable[] = [];
  const fail = (error: unknown): void => {
    if (failed) return;
    failed = true;
    failure = error;
    for (const stream of streams) stream.destroy();
    wake();
  };
  let sawEnd = false;
  let ended = false;
  parser.on('error', (error: unknown) => fail(new TarParseError(error)));
  parser.on('eof', () => {
    sawEnd = true;
  });
  parser.on('end', () => {
    ended = true;
    wake();
  });
  const onAbort = (): void => fail(signal?.reason);
  if (signal?.aborted) fail(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });

  // Resolves at the next event that may let the feeding loop go on: a drain, the end, a failure.
  const nextEvent = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        parser.off('drain', done);
        wake = () => undefined;
        resolve();
      };
      wake = done;
      parser.on('drain', done);
    });

  const feed = async (): Promise<void> => {
    const gzip = await isGzip(tarPath);
    if (failed) return;
    const source = createReadStream(tarPath, { highWaterMark: READ_SIZE });
    source.on('error', (error) => fail(new TarReadError(error)));
    streams.push(source);
    let input: Readable = source;
    let gunzip: Gunzip | undefined;
    if (gzip) {
      gunzip = createGunzip({ chunkSize: INFLATE_CHUNK });
      gunzip.on('error', (error) => fail(new TarParseError(error)));
      streams.push(gunzip);
      source.pipe(gunzip);
      input = gunzip;
    }
    let inflated = 0;
    let first = true;
    try {
      for await (const piece of input) {
        const chunk = piece as Buffer;
        if (failed || sawEnd) break;
        if (gunzip) {
          inflated += chunk.length;
          // bytesWritten: the compressed bytes zlib has consumed to produce what came out so far.
          if (inflated > RATIO_FROM_BYTES && inflated > MAX_COMPRESSION_RATIO * gunzip.bytesWritten) {
            throw new TarRefusedError(
              `inflates to more than ${MAX_COMPRESSION_RATIO} times its compressed size (${megabytes(inflated)} from ` +
                `${gunzip.bytesWritten} bytes): refused as a compression bomb`,
            );
          }
        }
        // node-tar would inflate a gzip stream it finds itself, whole and in memory: after the gunzip above (or
        // in a file that was not gzip a moment ago) no tar starts like that.
        if (first && chunk[0] === GZIP_MAGIC[0] && chunk[1] === GZIP_MAGIC[1]) {
          throw new TarRefusedError('is compressed twice (a gzip stream inside the gzip stream), not a tar archive');
        }
        first = false;
        if (!parser.write(chunk) && !failed && !sawEnd) await nextEvent();
      }
    } catch (error) {
      fail(error);
    }
    if (failed) return;
    if (!ended) {
      const ending = nextEvent();
      parser.end();
      if (!ended && !failed) await ending;
    }
  };

  const done = feed()
    .catch((error: unknown) => fail(error))
    .then(() => {
      signal?.removeEventListener('abort', onAbort);
      for (const stream of streams) stream.destroy();
      if (failed) throw failure;
    });
  return { done, stop: fail };
}
