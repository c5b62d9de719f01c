import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { outputError, temporaryPathFor } from '@envoys/envoy-core';
import type { Tree } from '../audit/tree';
import { linkOrCopy, type LinkedOrCopied, type LinkOrCopyOptions } from './link-or-copy';

export interface StagedTreeFile extends LinkedOrCopied {
  /** Path below the tree, `/`-separated. */
  readonly relative: string;
}

/**
 * Stages a directory tree (the observation's SDM) file by file under a hidden temporary name and renames it
 * into place when complete, so a failure or an abort leaves no half tree behind. A tree staged before (a
 * re-ingestion) is replaced only once the new one is complete. (file-foundation's stageTree refuses an
 * existing target and hashes every linked file while staging: see the README.)
 */
export async function stageTree(tree: Tree, target: string, options: LinkOrCopyOptions): Promise<StagedTreeFile[]> {
  const temporary = temporaryPathFor(target);
  const staged: StagedTreeFile[] = [];
  try {
    try {
      await mkdir(temporary);
      for (const dir of tree.directories) await mkdir(join(temporary, dir));
    } catch (error) {
      throw outputError(error, target);
    }
    for (const file of tree.files) {
      options.signal.throwIfAborted();
      staged.push({ relative: file.relative, ...(await linkOrCopy(file.source, join(temporary, file.relative), file.size, options)) });
    }
    const previous = `${temporary}.previous`;
    const replaced = await rename(target, previous).then(
      () => true,
      () => false,
    );
    try {
      await rename(temporary, target);
    } catch (error) {
      if (replaced) await rename(previous, target).catch(() => undefined);
      throw outputError(error, target);
    }
    if (replaced) await rm(previous, { recursive: true, force: true });
    return staged;
  } catch (error) {
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}
