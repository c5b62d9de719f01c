import type { Stats } from 'node:fs';
import { link, realpath, rename, stat, unlink } from 'node:fs/promises';
import { EnvoyError, errnoCode, inputError, InvalidInputError, outputError, temporaryPathFor } from '@envoys/envoy-core';
import { sha256File } from '../checksum/sha256-file';
import { copyVerified } from './copy-verified';
import type { StageOptions } from './stage-types';

// link() failures that mean "not here, copy instead": another file system, a file system without hard links,
// a kernel that protects links to files of other users, too many links on the inode.
const COPY_INSTEAD = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/** A file to place: where its bytes really are (already checked), and where it goes. */
export interface PlaceJob {
  readonly real: string;
  readonly stats: Stats;
  readonly target: string;
}

export interface Placed {
  readonly size: number;
  readonly sha256?: string;
  readonly method: 'link' | 'copy';
}

/** Runs copies one after another (see placeAll). */
export type CopyLane = <T>(copy: () => Promise<T>) => Promise<T>;

type Hash = () => Promise<string | undefined>;

function sameFile(a: Stats, b: Stats | undefined): boolean {
  return b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** A link() that failed on ENOENT: the source went away (input, 66) or the staging directory did (output, 73). */
async function linkError(error: unknown, job: PlaceJob): Promise<EnvoyError> {
  if (errnoCode(error) === 'ENOENT' && !(await stat(job.real).catch(() => undefined))) {
    return inputError(error, job.real);
  }
  return outputError(error, job.target);
}

/**
 * `target` exists. If it is this very file (staged before: a re-ingestion), there is nothing to do; note that
 * rename() between two links of one inode would do nothing and leave the temporary name behind. Otherwise a
 * link is made under a temporary name and renamed over it, so the name is replaced, never missing.
 */
async function replaceWithLink(job: PlaceJob, hash: Hash): Promise<{ sha256?: string } | undefined> {
  if (sameFile(job.stats, await stat(job.target).catch(() => undefined))) {
    // Inputs are never modified (CONTRACT 3.6): a staging directory that is the source's own directory is refused.
    if ((await realpath(job.target)) === job.real) throw new InvalidInputError(`cannot stage ${job.real} onto itself`);
    return { sha256: await hash() };
  }
  const temporary = temporaryPathFor(job.target);
  try {
    await link(job.real, temporary);
  } catch (error) {
    if (COPY_INSTEAD.has(errnoCode(error) ?? '')) return undefined;
    throw await linkError(error, job);
  }
  try {
    const sha256 = await hash();
    await rename(temporary, job.target);
    return { sha256 };
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/**
 * Hard-links the file into place; undefined when it cannot be linked there (copy instead). A new name is linked
 * directly: a link appears whole, so no temporary name is needed and the cost is one system call. With a hash
 * (checksum 'always') the linked file is read once; if that fails the new name is removed again.
 */
async function linkFile(job: PlaceJob, hash: Hash): Promise<{ sha256?: string } | undefined> {
  try {
    await link(job.real, job.target);
  } catch (error) {
    // link() reports an existing name before it compares file systems, so EEXIST may still end in a copy.
    if (errnoCode(error) === 'EEXIST') return replaceWithLink(job, hash);
    if (COPY_INSTEAD.has(errnoCode(error) ?? '')) return undefined;
    throw await linkError(error, job);
  }
  try {
    return { sha256: await hash() };
  } catch (error) {
    await unlink(job.target).catch(() => undefined);
    throw error;
  }
}

/**
 * Puts one checked file at its target: a hard link when possible, else a verified copy (in the copy lane). The
 * target appears complete or not at all, replacing an earlier file of that name. Does not flush the directory:
 * the caller does that once for all its files.
 */
export async function placeFile(job: PlaceJob, options: StageOptions, copyLane: CopyLane): Promise<Placed> {
  const { method = 'auto', checksum = 'always', signal, onProgress } = options;
  const size = job.stats.size;
  try {
    signal?.throwIfAborted();
    if (method === 'auto') {
      const hash: Hash = checksum === 'always' ? () => sha256File(job.real, signal) : async () => undefined;
      const linked = await linkFile(job, hash);
      if (linked) {
        onProgress?.(size);
        return linked.sha256 === undefined ? { size, method: 'link' } : { size, sha256: linked.sha256, method: 'link' };
      }
    } else if ((await realpath(job.target).catch(() => undefined)) === job.real) {
      throw new InvalidInputError(`cannot stage ${job.real} onto itself`);
    }
    const copied = await copyLane(() => {
      signal?.throwIfAborted();
      return copyVerified(job.real, job.target, job.stats, { signal, onProgress });
    });
    return { ...copied, method: 'copy' };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw outputError(error, job.target);
  }
}
