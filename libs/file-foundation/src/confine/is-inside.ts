import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * Whether `path` is `base` itself or lies below it, compared as written (no symbolic links are resolved;
 * resolveInside does that). A sibling such as `/data/products-old` is not inside `/data/products`, and a name
 * that merely starts with two dots (`..hidden`) is not an escape.
 */
export function isInside(base: string, path: string): boolean {
  const rel = relative(resolve(base), resolve(path));
  if (rel === '') return true;
  if (isAbsolute(rel)) return false;
  return rel !== '..' && !rel.startsWith(`..${sep}`);
}
