import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { outputError } from '../errors';

/**
 * The temporary name a file is written under before it is renamed into place: hidden, in the same directory
 * (so the rename is atomic on one file system), unique per writer.
 */
export function temporaryPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Flushes a directory's entries (a rename or a new file) to disk. */
export async function syncDirectory(dir: string): Promise<void> {
  // Without this the rename itself may be lost on a crash; some file systems refuse fsync on a directory.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

/**
 * Writes a whole file atomically: temporary file in the same directory, flushed to disk, renamed over the
 * target. A crash or a full disk leaves either the old file or the new one, never half of one.
 * Failures are CannotCreateError (exit 73) naming the target.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temporary = temporaryPathFor(target);
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw outputError(error, target);
  }
  await syncDirectory(dirname(target));
}

/** A file being written as a stream that appears under its name only when committed. */
export interface AtomicFile {
  readonly target: string;
  readonly temporary: string;
  readonly stream: WriteStream;
  /** Flushes, syncs and renames the file into place. */
  commit(): Promise<void>;
  /** Removes the temporary file; the target keeps its old state. Never throws. */
  discard(): Promise<void>;
}

function finishStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.closed) {
      resolve();
      return;
    }
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/**
 * Opens a stream for a file that is written atomically (large outputs: tars, copies, logs). Nothing is
 * visible under `target` until commit(); discard() or a crash leaves only a hidden temporary file, which
 * discard() removes.
 */
export async function openAtomicFile(target: string, mode = 0o644): Promise<AtomicFile> {
  const temporary = temporaryPathFor(target);
  let handle;
  try {
    handle = await open(temporary, 'wx', mode);
  } catch (error) {
    throw outputError(error, target);
  }
  const stream = createWriteStream('', { fd: handle.fd, autoClose: false });
  let settled = false;
  let streamError: unknown;
  stream.on('error', (error) => {
    streamError = error;
  });
  return {
    target,
    temporary,
    stream,
    async commit() {
      if (settled) return;
      settled = true;
      try {
        await finishStream(stream);
        if (streamError) throw streamError;
        await handle.sync();
        await handle.close();
        await rename(temporary, target);
      } catch (error) {
        await handle.close().catch(() => undefined);
        await unlink(temporary).catch(() => undefined);
        throw outputError(error, target);
      }
      await syncDirectory(dirname(target));
    },
    async discard() {
      if (settled) return;
      settled = true;
      stream.destroy();
      await handle.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
    },
  };
}
