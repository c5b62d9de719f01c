import * as path from 'node:path';

/**
 * A file pattern of a rule: a literal directory plus a name pattern with `*` and `?`. Wildcards in
 * directories are refused rather than half-supported: the rules look into one known directory each.
 */
export interface Glob {
  readonly pattern: string;
  /** The directory part as written (may be empty, relative with `..`, or absolute). */
  readonly dir: string;
  readonly name: RegExp;
}

const UNSUPPORTED = /[[\]{}]/;

/** The parsed glob, or a sentence saying why the pattern is not accepted. */
export function parseGlob(pattern: string): Glob | string {
  if (pattern.length === 0) return 'is empty';
  if (pattern.includes('\0')) return 'contains a NUL character';
  const slash = pattern.lastIndexOf('/');
  const dir = slash === -1 ? '' : pattern.slice(0, slash);
  const last = pattern.slice(slash + 1);
  if (last.length === 0) return 'ends with "/": it must name files';
  if (last === '.' || last === '..') return 'must name files, not a directory';
  if (/[*?]/.test(dir)) return 'has a wildcard outside the last path component';
  if (UNSUPPORTED.test(pattern)) return 'uses [ ] or { }, which are not supported (only * and ?)';
  let source = '^';
  for (const ch of last) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return { pattern, dir, name: new RegExp(`${source}$`, 'u') };
}

/** The absolute directory a glob looks into. */
export function globDirectory(baseDir: string, glob: Glob): string {
  return path.resolve(baseDir, glob.dir);
}
