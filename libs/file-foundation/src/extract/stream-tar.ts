import { createReadStream } from 'node:fs';
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

export interface TarStream {
  /** Settles when the parser has seen the end of the archive, or at the first failure, abort or stop(). */
  readonly done: Promise<void>;
  /** Stops reading; `done` rejects with `error`. */
  stop(error: unknown): void;
}

const READ_SIZE = 1024 * 1024;

/**
 * Feeds a tar file (gzip is recognised by the parser from its first bytes) into a node-tar Parser, honouring
 * the parser's back-pressure. The parser's listeners stay attached after a failure, so a late 'error' event
 * from it never becomes an uncaught exception.
 */
export function streamTar(tarPath: string, parser: Parser, signal?: AbortSignal): TarStream {
  let settle: (error?: unknown) => void = () => undefined;
  // Listened to from the start: a stream destroyed before its file is open still reports a failed open.
  const source = createReadStream(tarPath, { highWaterMark: READ_SIZE });
  source.on('error', (error) => settle(new TarReadError(error)));
  const done = new Promise<void>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => settle(signal?.reason);
    settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      source.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    if (signal?.aborted) {
      settle(signal.reason);
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    parser.on('error', (error: unknown) => settle(new TarParseError(error)));
    parser.on('end', () => settle());
    source.on('data', (chunk) => {
      if (!parser.write(chunk as Buffer)) {
        source.pause();
        parser.once('drain', () => source.resume());
      }
    });
    source.on('end', () => parser.end());
  });
  return { done, stop: (error) => settle(error) };
}
