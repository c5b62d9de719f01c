import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { describeErrno, errnoCode, InvalidInputError, MissingInputError } from '@envoys/envoy-core';

/**
 * stat() with the envoy's input exit codes: a missing path (or a path through a file) is 66, anything else
 * that prevents reading it is 65. Symbolic links are followed: a workflow may link its inputs into place.
 */
async function statInput(path: string, what: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MissingInputError(`${what} ${path} does not exist`, [], { cause: error });
    }
    const reason = code ? describeErrno(code) : String(error);
    throw new InvalidInputError(`cannot read ${what} ${path}: ${reason}`, [], { cause: error });
  }
}

/** The directory must exist: 66 when it does not, 65 when the path is something else. */
export async function requireDirectory(path: string, what: string): Promise<void> {
  const stats = await statInput(path, what);
  if (!stats.isDirectory()) throw new InvalidInputError(`${what} ${path} is not a directory`);
}

/** The regular file must exist: 66 when it does not, 65 when it is a directory or something else. */
export async function requireFile(path: string, what: string): Promise<void> {
  const stats = await statInput(path, what);
  if (stats.isDirectory()) throw new InvalidInputError(`${what} ${path} is a directory, not a file`);
  if (!stats.isFile()) throw new InvalidInputError(`${what} ${path} is not a regular file`);
}
