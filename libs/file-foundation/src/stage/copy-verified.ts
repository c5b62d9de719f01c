import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { CannotCreateError, EnvoyError, inputError, outputError, temporaryPathFor } from '@envoys/envoy-core';
import { fileSink } from '../checksum/file-sink';
import { HashedOutput } from '../checksum/hashed-output';
import { sha256File } from '../checksum/sha256-file';

async function copyBytes(
  input: FileHandle,
  source: string,
  output: HashedOutput,
  signal?: AbortSignal,
  onProgress?: (bytes: number) => void,
): Promise<string> {
  for (;;) {
    signal?.throwIfAborted();
    const space = await output.space();
    let bytesRead: number;
    try {
      ({ bytesRead } = await input.read(space, 0, space.length, null));
    } catch (error) {
      throw inputError(error, source);
    }
    if (bytesRead === 0) return output.finish();
    output.commit(bytesRead);
    onProgress?.(bytesRead);
  }
}

/**
 * Copies `source` to `target` for a staging area that is on another file system (CONTRACT 5.2): the bytes go to a
 * hidden temporary file while their SHA-256 is computed (the source is read once), the copy is flushed, read
 * back and its checksum compared, and only then renamed into place. Abort, read errors (65/66), a full disk or
 * missing permission (73) and a mismatch (73) all leave no file behind. The caller flushes the directory once it
 * has placed all its files (one fsync of the directory instead of one per file).
 */
export async function copyVerified(
  source: string,
  target: string,
  stats: { readonly mode: number; readonly size: number },
  options: { signal?: AbortSignal; onProgress?: (bytes: number) => void },
): Promise<{ size: number; sha256: string }> {
  const { signal, onProgress } = options;
  const temporary = temporaryPathFor(target);
  let input: FileHandle;
  try {
    input = await open(source, 'r');
  } catch (error) {
    throw inputError(error, source);
  }
  try {
    let copy: FileHandle;
    try {
      copy = await open(temporary, 'wx', stats.mode & 0o777);
    } catch (error) {
      throw outputError(error, target);
    }
    const output = new HashedOutput(fileSink(copy), { expectedSize: stats.size });
    let sha256: string;
    try {
      sha256 = await copyBytes(input, source, output, signal, onProgress);
      await copy.sync();
      await copy.close();
    } catch (error) {
      await output.settle();
      await copy.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
      if (signal?.aborted) throw signal.reason;
      if (error instanceof EnvoyError) throw error;
      throw outputError(error, target);
    }
    try {
      // Read back from the file just written: catches corruption on the way to the other file system.
      const written = await sha256File(temporary, signal);
      if (written !== sha256) {
        throw new CannotCreateError(`copy of ${source} to ${target} is corrupt: sha256 ${written}, expected ${sha256}`);
      }
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      if (signal?.aborted) throw signal.reason;
      if (error instanceof CannotCreateError) throw error;
      throw outputError(error, target);
    }
    return { size: output.size, sha256 };
  } finally {
    await input.close().catch(() => undefined);
  }
}
