import { link, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { inputError, outputError, temporaryPathFor } from '@envoys/envoy-core';
import { stageFile } from '@envoys/file-foundation';

export interface LinkedOrCopied {
  readonly method: 'link' | 'copy';
  readonly size: number;
  /** Known for copies (computed while copying and checked against the copy); links are hashed later, once. */
  readonly sha256?: string;
}

export interface LinkOrCopyOptions {
  /** The processing directory's real path: a copied source must lie inside it (file-foundation checks again). */
  readonly root: string;
  readonly signal: AbortSignal;
  readonly onBytes?: (bytes: number) => void;
}

function errnoOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

// Reasons a hard link cannot be made where a copy still can: another file system, a file system without hard
// links, the link count limit, or the kernel's protected_hardlinks for a file the envoy does not own.
const COPY_INSTEAD = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * A hard link appears whole by nature, so a new name is linked directly: one system call per file, and not
 * one byte read (file-foundation's stageFile hashes every linked file while staging, which makes staging cost
 * per byte; see the README). Only an existing target (a re-ingestion) goes through a temporary name and a
 * rename, so that it is replaced, never missing.
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
    throw error;
  }
}

/**
 * Places `source` (already audited: a regular file inside the processing directory) at `target`: a hard link
 * when both are on one file system, else file-foundation's verified copy (checksum computed from the source
 * bytes as they are copied, checked against the copy before it is renamed into place). `target` appears
 * complete or not at all; an abort leaves no temporary file.
 */
export async function linkOrCopy(source: string, target: string, size: number, options: LinkOrCopyOptions): Promise<LinkedOrCopied> {
  options.signal.throwIfAborted();
  try {
    await linkInPlace(source, target);
    options.onBytes?.(size);
    return { method: 'link', size };
  } catch (error) {
    const code = errnoOf(error);
    // ENOENT: either the source went away (an input problem) or the staging directory did (an output one).
    if (code === 'ENOENT') throw (await stat(source).catch(() => undefined)) ? outputError(error, target) : inputError(error, source);
    if (!code || !COPY_INSTEAD.has(code)) throw outputError(error, target);
  }
  const copied = await stageFile(source, dirname(target), basename(target), { root: options.root, signal: options.signal, method: 'copy' });
  options.onBytes?.(copied.size);
  return { method: 'copy', size: copied.size, sha256: copied.sha256 };
}
