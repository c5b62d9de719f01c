import type { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { InvalidInputError, MissingInputError, inputError } from '@envoys/envoy-core';
import { isInside } from '../confine/is-inside';
import { errnoCode } from '../errno-code';

/** Real location of the processing directory: the yardstick for everything staged from it. */
export async function realRoot(root: string): Promise<string> {
  try {
    return await realpath(root);
  } catch (error) {
    throw inputError(error, `processing directory ${root}`);
  }
}

/**
 * Where a source really is, checked to lie inside the real processing directory: a symbolic link (the source
 * itself or a directory on its way) that leads outside is refused with 65, a dangling one is 66.
 */
export async function realSource(
  source: string,
  root: string,
  realRootPath: string,
  what: string,
): Promise<{ real: string; stats: Stats }> {
  let linkStats: Stats;
  try {
    linkStats = await lstat(source);
  } catch (error) {
    throw inputError(error, `${what} ${source}`);
  }
  let real: string;
  try {
    real = await realpath(source);
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
  try {
    return { real, stats: await stat(real) };
  } catch (error) {
    throw inputError(error, `${what} ${source}`);
  }
}
