import { errnoCode } from '@envoys/envoy-core';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

// Linux gives up after 40 links in one lookup (ELOOP); so do we.
const MAX_LINKS = 40;

/**
 * Where `path` really is once every symbolic link is resolved, also when the path (or its last part) does not
 * exist yet: the deepest existing ancestor is resolved and the rest appended. A dangling symbolic link is
 * followed to the place it would create a file, because writing through it would land there. Errors other than
 * a missing path (EACCES, ELOOP) are thrown as they are, with their errno code.
 */
export function realLocation(path: string): Promise<string> {
  return locate(path, 0);
}

/** `links`: symbolic links followed so far in this lookup. */
async function locate(path: string, links: number): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
  const stats = await lstat(absolute).catch(() => undefined);
  if (stats?.isSymbolicLink()) {
    if (links >= MAX_LINKS) throw Object.assign(new Error(`too many symbolic links at ${absolute}`), { code: 'ELOOP' });
    const target = await readlink(absolute);
    return locate(resolve(dirname(absolute), target), links + 1);
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  return join(await locate(parent, links), basename(absolute));
}
