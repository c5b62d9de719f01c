import { posix, win32 } from 'node:path';

// node-tar refuses deeper paths by default; a deeper tree is a mistake or an attack, never a calibration.
const MAX_DEPTH = 1024;
// PATH_MAX on Linux: no longer name can be created below any directory.
const MAX_NAME_BYTES = 4096;

/** A member name checked and normalised, or the reason it is refused. */
export type MemberPath = { readonly path: string } | { readonly problem: string };

/** Whether a name is absolute on any system a tar may come from (`/x`, `C:x`, `\\server\x`, `\x`). */
export function isAbsoluteName(name: string): boolean {
  return posix.isAbsolute(name) || win32.parse(name).root !== '';
}

/**
 * Any `..` segment counts, whether or not it would climb out: the rule is simple to state and no honest
 * archive needs it. Backslashes count as separators too, as they do for a tar made or read on Windows.
 */
export function hasDotDot(name: string): boolean {
  return name.split(/[\\/]+/).includes('..');
}

/** Path segments of a normalised relative path ('' and '.' have none). */
export function segments(path: string): string[] {
  return path === '.' || path === '' ? [] : path.split('/');
}

/**
 * Checks a member's name and normalises it to a relative path without `./`, duplicate or trailing slashes;
 * `.` is the destination itself.
 */
export function memberPath(name: string): MemberPath {
  if (name === '') return { problem: 'has an empty name' };
  if (name.includes('\0')) return { problem: 'has a NUL byte in its name' };
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return { problem: `has a name longer than ${MAX_NAME_BYTES} bytes, longer than a path may be` };
  if (isAbsoluteName(name)) return { problem: 'has an absolute path' };
  if (hasDotDot(name)) return { problem: "has '..' in its path" };
  const path = posix.normalize(name).replace(/\/+$/, '') || '.';
  // `./C:/x` normalises to `C:/x`, a drive path: judged as what it becomes, not only as it was written.
  if (isAbsoluteName(path)) return { problem: 'has an absolute path' };
  if (segments(path).length > MAX_DEPTH) return { problem: `is nested more than ${MAX_DEPTH} directories deep` };
  return { path };
}

/** The proper ancestors of a normalised path, shortest first: a/b/c -> a, a/b. */
export function ancestors(path: string): string[] {
  const parts = segments(path);
  return parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join('/'));
}

/** The path itself and its ancestors, shortest first: a/b -> a, a/b. */
export function prefixes(path: string): string[] {
  const parts = segments(path);
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}
