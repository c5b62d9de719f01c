import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, rename, unlink } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CannotCreateError, inputError, openAtomicFile, outputError, temporaryPathFor } from '@envoys/envoy-core';

export interface LinkedOrCopied {
  readonly method: 'link' | 'copy';
  readonly size: number;
  /** Known for copies (computed while copying); links are hashed later, once. */
  readonly sha256?: string;
}

function errnoOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

// Reasons a hard link cannot be made where a copy still can: another file system, a file system without hard
// links, the link count limit, or the kernel's protected_hardlinks for a file the envoy does not own.
const COPY_INSTEAD = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);

async function sha256Of(path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A hard link appears whole by nature, so a new name is linked directly (one system call per file: staging
 * thousands of files costs milliseconds). Only an existing target (a re-ingestion) goes through a temporary
 * name and a rename, so that it is replaced, never missing.
 */
async function linkInPlace(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
    return;
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error;
  }
  const temporary = temporaryPathFor(target);
  await link(source, temporary);
  try {
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw outputError(error, target);
  }
}

/**
 * Places `source` at `target`: a hard link when both are on one file system (cost per file, not per byte),
 * else a copy whose checksum is computed from the source bytes as they are copied (each byte read once) and
 * checked against the written copy. `target` appears complete or not at all; an existing target is replaced
 * (a re-ingestion). An abort leaves no temporary file.
 */
export async function linkOrCopy(source: string, target: string, size: number, options: { signal: AbortSignal; onBytes?: (bytes: number) => void }): Promise<LinkedOrCopied> {
  try {
    await linkInPlace(source, target);
    options.onBytes?.(size);
    return { method: 'link', size };
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') throw inputError(error, source);
    if (!code || !COPY_INSTEAD.has(code)) throw outputError(error, target);
  }
  const file = await openAtomicFile(target);
  const hash = createHash('sha256');
  let copied = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      copied += chunk.length;
      options.onBytes?.(chunk.length);
      callback(null, chunk);
    },
  });
  try {
    let reading = true;
    const input = createReadStream(source, { highWaterMark: 1024 * 1024 });
    input.once('end', () => (reading = false));
    await pipeline(input, meter, file.stream, { signal: options.signal, end: false }).catch((error: unknown) => {
      throw reading && errnoOf(error) !== undefined && !options.signal.aborted && copied === 0 ? inputError(error, source) : error;
    });
    const sha256 = hash.digest('hex');
    await file.commit();
    // The copy is read back and compared: a copy is only trusted when its bytes are the source's.
    const written = await sha256Of(target, options.signal);
    if (written !== sha256) {
      await unlink(target).catch(() => undefined);
      throw new CannotCreateError(`copy of ${source} to ${target} does not match its source (checksum differs)`);
    }
    return { method: 'copy', size: copied, sha256 };
  } catch (error) {
    await file.discard();
    throw options.signal.aborted ? error : outputError(error, target);
  }
}
