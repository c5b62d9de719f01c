import { lstat, mkdir, realpath, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CannotCreateError, EnvoyError, errnoCode, InvalidInputError, outputError, syncDirectory, temporaryPathFor } from '@envoys/envoy-core';
import { confinementOf, locateInside } from '../confine/confinement';
import { isInside } from '../confine/is-inside';
import { ensureDirectory } from '../directories/ensure-directory';
import { placeAll } from './place-all';
import type { Placed } from './place-file';
import { checkStagedName } from './staged-name';
import type { StageTreeOptions, StagedTree } from './stage-types';
import { TreeMirror } from './mirror-tree';

/**
 * Puts the complete tree at `temporary` in place as `target`. When replacing, the old tree is renamed aside,
 * the new one renamed in, and only then is the old one removed (best effort: what cannot be removed stays
 * under a hidden name, and the staging is still right). POSIX has no rename that swaps two directories, so for
 * the instant between the two renames the name is absent; it never holds a half tree. If the second rename
 * fails, the old tree is put back.
 */
async function moveIntoPlace(temporary: string, target: string, replace: boolean): Promise<void> {
  let previous: string | undefined;
  if (replace) {
    const aside = temporaryPathFor(target);
    try {
      await rename(target, aside);
      previous = aside;
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  }
  try {
    await rename(temporary, target);
  } catch (error) {
    if (previous) await rename(previous, target).catch(() => undefined);
    throw error;
  }
  if (previous) await rm(previous, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Stages a directory with everything below it as `stagingDir/name` (default: the directory's own name), file by
 * file as stageFiles does (hard link or verified copy, several at a time). The tree is built under a hidden
 * temporary name, every directory of it flushed, and renamed into place when complete, so an abort or failure
 * leaves nothing behind. An existing `name` in the staging directory is refused (73) unless `options.replace`.
 * Symbolic links inside the tree are followed only while they stay in `options.root` (their content is staged);
 * one that leads outside or nowhere (dangling) is refused (65).
 */
export async function stageTree(
  sourceDir: string,
  stagingDir: string,
  name: string | undefined,
  options: StageTreeOptions,
): Promise<StagedTree> {
  options.signal?.throwIfAborted();
  const stagedName = checkStagedName(name ?? basename(sourceDir));
  const within = await confinementOf(options.root);
  const { real, stats } = await locateInside(sourceDir, within, 'directory to stage');
  if (!stats.isDirectory()) throw new InvalidInputError(`directory to stage ${sourceDir} is not a directory`);
  await ensureDirectory(stagingDir, 'staging directory');
  const target = join(stagingDir, stagedName);
  if (!options.replace && (await lstat(target).catch(() => undefined))) {
    throw new CannotCreateError(`cannot stage ${sourceDir}: ${target} already exists`);
  }
  if (isInside(real, await realpath(stagingDir))) {
    throw new InvalidInputError(`cannot stage ${sourceDir} into ${stagingDir}, which lies inside it`);
  }
  const temporary = temporaryPathFor(target);
  try {
    await mkdir(temporary);
  } catch (error) {
    throw outputError(error, target);
  }
  const walk = new TreeMirror(within, options.signal);
  let placed: Placed[];
  try {
    await walk.directory(real, temporary);
    placed = await placeAll(walk.files, options);
    for (const directory of walk.directories) await syncDirectory(directory);
    await moveIntoPlace(temporary, target, options.replace === true);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof EnvoyError) throw error;
    throw outputError(error, target);
  }
  await syncDirectory(stagingDir);
  const files = walk.files.map((file, index) => ({ name: file.name, path: join(target, file.name), ...(placed[index] as Placed) }));
  const methods = new Set(files.map((file) => file.method));
  const method = methods.size > 1 ? 'mixed' : methods.has('copy') ? 'copy' : 'link';
  return { name: stagedName, path: target, size: files.reduce((sum, file) => sum + file.size, 0), method, files };
}
