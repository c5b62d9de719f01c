import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Where a path that may not exist yet would really be: its deepest existing ancestor with symlinks
 * resolved, and the rest appended. (file-foundation has the same function but does not export it yet.)
 */
export async function realLocation(path: string): Promise<string> {
  const absolute = resolve(path);
  const real = await realpath(absolute).catch(() => undefined);
  if (real !== undefined) return real;
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  return join(await realLocation(parent), basename(absolute));
}
