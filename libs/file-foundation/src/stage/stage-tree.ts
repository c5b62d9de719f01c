import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  CannotCreateError,
  EnvoyError,
  InvalidInputError,
  inputError,
  outputError,
  temporaryPathFor,
} from '@envoys/envoy-core';
import { isInside } from '../confine/is-inside';
import { ensureDirectory } from '../directories/ensure-directory';
import { syncDirectory } from '../directories/sync-directory';
import { placeFile } from './place-file';
import { realRoot, realSource } from './real-source';
import { checkStagedName } from './staged-name';
import type { StageOptions, StagedFile, StagedTree } from './stage-types';

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class TreeStager {
  readonly files: StagedFile[] = [];

  constructor(
    private readonly root: string,
    private readonly rootPath: string,
    private readonly options: StageOptions,
  ) {}

  /**
   * Stages the contents of the real directory `from` into `to`. `visiting` holds the real directories on the way
   * down: a symbolic link back to one of them would recurse forever.
   */
  async directory(from: string, to: string, prefix: string, visiting: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(from)).sort(byCodeUnit);
    } catch (error) {
      throw inputError(error, `directory ${from}`);
    }
    for (const name of names) {
      this.options.signal?.throwIfAborted();
      const path = join(from, name);
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      let stats: Stats;
      try {
        stats = await lstat(path);
      } catch (error) {
        throw inputError(error, path);
      }
      let real = path;
      if (stats.isSymbolicLink()) {
        // Followed only while it stays inside the processing directory; the content is staged, not the link.
        ({ real, stats } = await realSource(path, this.root, this.rootPath, 'file to stage'));
      }
      if (stats.isDirectory()) {
        if (visiting.has(real)) throw new InvalidInputError(`symbolic link ${path} loops back to ${real}`);
        const target = join(to, name);
        try {
          await mkdir(target);
        } catch (error) {
          throw outputError(error, target);
        }
        await this.directory(real, target, relative, new Set([...visiting, real]));
      } else if (stats.isFile()) {
        const placed = await placeFile(real, stats.size, stats.mode, join(to, name), this.options);
        this.files.push({ name: relative, path: join(to, name), ...placed });
      } else {
        throw new InvalidInputError(`cannot stage ${path}: it is not a regular file, directory or symbolic link`);
      }
    }
  }
}

/**
 * Stages a directory with everything below it as `stagingDir/name` (default: the directory's own name), file by
 * file as stageFile does (hard link or verified copy). The tree is built under a hidden temporary name and
 * renamed into place when complete, so an abort or failure leaves nothing behind; an existing `name` in the
 * staging directory is not replaced (73). Symbolic links inside the tree are followed only while they stay in
 * `options.root` (their content is staged); one that leads outside is refused (65).
 */
export async function stageTree(
  sourceDir: string,
  stagingDir: string,
  name: string | undefined,
  options: StageOptions,
): Promise<StagedTree> {
  options.signal?.throwIfAborted();
  const stagedName = checkStagedName(name ?? basename(sourceDir));
  const rootPath = await realRoot(options.root);
  const { real, stats } = await realSource(sourceDir, options.root, rootPath, 'directory to stage');
  if (!stats.isDirectory()) throw new InvalidInputError(`directory to stage ${sourceDir} is not a directory`);
  await ensureDirectory(stagingDir, 'staging directory');
  const target = join(stagingDir, stagedName);
  if (await lstat(target).catch(() => undefined)) {
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
  const stager = new TreeStager(options.root, rootPath, options);
  try {
    await stager.directory(real, temporary, '', new Set([real]));
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof EnvoyError) throw error;
    throw outputError(error, target);
  }
  await syncDirectory(stagingDir);
  const files = stager.files.map((file) => ({ ...file, path: join(target, file.name) }));
  const methods = new Set(files.map((file) => file.method));
  const method = methods.size > 1 ? 'mixed' : methods.has('copy') ? 'copy' : 'link';
  return { name: stagedName, path: target, size: files.reduce((sum, file) => sum + file.size, 0), method, files };
}
