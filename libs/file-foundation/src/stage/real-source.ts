import type { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoCode, inputError, InvalidInputError, MissingInputError } from '@envoys/envoy-core';
import { isInside } from '../confine/is-inside';

/** Real location of the processing directory: the yardstick for everything staged from it. */
export async function realRoot(root: string): Promise<string> {
  try {
    return await realpath(root);
  } catch (error) {
    throw inputError(error, `processing directory ${root}`);
  }
}

/** Real locations of the directories sources were found in, shared by the sources of one batch. */
export type RealParents = Map<string, Promise<string>>;

/**
 * Where a path that is not itself a symbolic link really is: its directory's real location (resolved once per
 * directory for a whole batch, through `parents`) and its name. A batch of files from one directory then costs
 * one lstat() each instead of an lstat() and a realpath().
 */
async function realOfPlain(source: string, parents: RealParents | undefined): Promise<string> {
  if (!parents) return realpath(source);
  const absolute = resolve(source);
  const parent = dirname(absolute);
  let real = parents.get(parent);
  if (!real) {
    real = realpath(parent);
    // Every waiter handles the rejection; this only keeps an unawaited copy from being reported as unhandled.
    real.catch(() => undefined);
    parents.set(parent, real);
  }
  return join(await real, basename(absolute));
}

/**
 * Where a source really is, checked to lie inside the real processing directory: a symbolic link (the source
 * itself or a directory on its way) that leads outside is refused with 65, a dangling one is 66. `parents`
 * caches the real locations of directories across the sources of one batch.
 */
export async function realSource(
  source: string,
  root: string,
  realRootPath: string,
  what: string,
  parents?: RealParents,
): Promise<{ real: string; stats: Stats }> {
  let linkStats: Stats;
  try {
    linkStats = await lstat(source);
  } catch (error) {
    throw inputError(error, `${what} ${source}`);
  }
  let real: string;
  try {
    real = linkStats.isSymbolicLink() ? await realpath(source) : await realOfPlain(source, parents);
  } catch (error) {
    if (linkStats.isSymbolicLink() && errnoCode(error) === 'ENOENT') {
      throw new MissingInputError(`${what} ${source} is a symbolic link to a file that does not exist`);
    }
    throw inputError(error, `${what} ${source}`);
  }
  if (!isInside(realRootPath, real)) {
    throw new InvalidInputError(
      linkStats.isSymbolicLink()
        ? `${what} ${source} is a symbolic link to ${real}, outside ${root}; it is not followed`
        : `${what} ${source} lies at ${real}, outside ${root}`,
    );
  }
  // Not a link: lstat already described the file itself (one system call less per file).
  if (!linkStats.isSymbolicLink()) return { real, stats: linkStats };
  try {
    return { real, stats: await stat(real) };
  } catch (error) {
    throw inputError(error, `${what} ${source}`);
  }
}
