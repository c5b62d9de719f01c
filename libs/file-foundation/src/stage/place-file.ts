import { link, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { outputError, temporaryPathFor } from '@envoys/envoy-core';
import { sha256File } from '../checksum/sha256-file';
import { syncDirectory } from '../directories/sync-directory';
import { errnoCode } from '../errno-code';
import { copyVerified } from './copy-verified';

// link() failures that mean "not here, copy instead": another file system, a file system without hard links,
// a kernel that protects links to files of other users, too many links on the inode.
const COPY_INSTEAD = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

export interface Placed {
  readonly size: number;
  readonly sha256: string;
  readonly method: 'link' | 'copy';
}

/**
 * Puts the file at `real` (already checked) at `target`: a hard link when possible, else a verified copy. A link
 * is made under a temporary name and renamed, so the target appears in one step and an earlier file of that
 * name is replaced atomically. For a link the checksum is computed from the source, in one read.
 */
export async function placeFile(
  real: string,
  size: number,
  mode: number,
  target: string,
  options: { method?: 'auto' | 'copy'; signal?: AbortSignal },
): Promise<Placed> {
  const { method = 'auto', signal } = options;
  signal?.throwIfAborted();
  if (method === 'auto') {
    const temporary = temporaryPathFor(target);
    let linked = true;
    try {
      await link(real, temporary);
    } catch (error) {
      if (!COPY_INSTEAD.has(errnoCode(error) ?? '')) throw outputError(error, target);
      linked = false;
    }
    if (linked) {
      try {
        const sha256 = await sha256File(real, signal);
        await rename(temporary, target);
        await syncDirectory(dirname(target));
        return { size, sha256, method: 'link' };
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        if (signal?.aborted) throw signal.reason;
        throw outputError(error, target);
      }
    }
  }
  const copied = await copyVerified(real, target, mode, signal);
  return { ...copied, method: 'copy' };
}
