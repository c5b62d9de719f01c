import { realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InvalidInputError } from '@envoys/envoy-core';
import { ensureDirectory } from '../directories/ensure-directory';
import { placeFile } from './place-file';
import { realRoot, realSource } from './real-source';
import { checkStagedName } from './staged-name';
import type { StageOptions, StagedFile } from './stage-types';

/**
 * Stages one file as `stagingDir/name` (default: the source's own name) for an external system to pick up
 * (SPEC 5.2): a hard link when the staging directory is on the same file system, otherwise a copy verified by
 * checksum. The staged file appears in one step (atomic rename), replacing an earlier one of that name.
 *
 * The source must really lie inside `options.root` (the processing directory): a symbolic link out of it is
 * refused (65), never followed. A missing source is 66; a staging directory that cannot be written is 73.
 */
export async function stageFile(
  source: string,
  stagingDir: string,
  name: string | undefined,
  options: StageOptions,
): Promise<StagedFile> {
  options.signal?.throwIfAborted();
  const stagedName = checkStagedName(name ?? basename(source));
  const rootPath = await realRoot(options.root);
  const { real, stats } = await realSource(source, options.root, rootPath, 'file to stage');
  if (!stats.isFile()) throw new InvalidInputError(`file to stage ${source} is not a regular file`);
  await ensureDirectory(stagingDir, 'staging directory');
  const target = join(stagingDir, stagedName);
  // Staging a file onto itself would replace an input (SPEC 3.6: inputs are never modified).
  if ((await realpath(target).catch(() => undefined)) === real) {
    throw new InvalidInputError(`cannot stage ${source} onto itself`);
  }
  const placed = await placeFile(real, stats.size, stats.mode, target, options);
  return { name: stagedName, path: target, ...placed };
}
