import { posix, win32 } from 'node:path';

// Both flavours: a PPR or metadata file written on another system must not smuggle in a drive or UNC path.
function isAbsolutePath(path: string): boolean {
  return posix.isAbsolute(path) || win32.isAbsolute(path);
}

/**
 * Why a name taken from an input file cannot be used as one directory entry (SdmIdentifier becomes
 * `rawdata/<SdmIdentifier>`, a tar or CMS name is joined to a directory), or undefined when it can.
 */
export function bareNameProblem(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL character';
  if (isAbsolutePath(name)) return 'is an absolute path';
  if (/[\\/]/.test(name)) return 'contains a path separator';
  if (name === '.' || name === '..') return `is ${JSON.stringify(name)}, not a name`;
  return undefined;
}

/** Why a relative path from an input file could resolve outside the directory it belongs to, or undefined. */
export function relativePathProblem(path: string): string | undefined {
  if (path.includes('\0')) return 'contains a NUL character';
  if (isAbsolutePath(path)) return 'is an absolute path';
  if (path.split(/[\\/]/).includes('..')) return 'has a ".." segment';
  return undefined;
}

/**
 * Why a name of a real directory on this machine cannot be one path component of a PPR, or undefined. Unlike a
 * name taken from an input file, it is not judged by what another system would make of it: a backslash is an
 * ordinary character on Linux, and the pipeline reads such a directory as it is.
 */
export function directoryNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('/')) return 'contains "/"';
  if (name === '.' || name === '..') return `is ${JSON.stringify(name)}, not a name`;
  return undefined;
}
