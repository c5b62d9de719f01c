import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CannotCreateError, describeErrno, errnoCode } from '@envoys/envoy-core';

export interface EnsureDirectoryOptions {
  /** Make every check the creation would meet, and create nothing (what a dry run does). */
  readonly dryRun?: boolean;
}

/**
 * Creates a directory the envoy writes into (with its parents) or accepts an existing one. Anything in the
 * way (a file, a full disk, a read-only file system, no permission) is exit 73 naming the path. A dry run
 * checks instead that the directory is there, or that its nearest existing ancestor is a directory the
 * envoy may write into: the same refusals, before anything is written.
 */
export async function ensureDirectory(path: string, what: string, options: EnsureDirectoryOptions = {}): Promise<void> {
  if (options.dryRun) return checkCreatable(path, what);
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw cannotCreate(path, what, error);
  }
  // mkdir -p succeeds on an existing path only when it is a directory (or a link to one), but say so plainly
  // if something replaced it in between.
  const stats = await stat(path).catch(() => undefined);
  if (!stats?.isDirectory()) throw new CannotCreateError(`cannot create ${what} ${path}: a file is in the way`);
}

function cannotCreate(path: string, what: string, error: unknown): CannotCreateError {
  const code = errnoCode(error);
  const reason = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : code ? describeErrno(code) : String(error);
  return new CannotCreateError(`cannot create ${what} ${path}: ${reason}`, [], { cause: error });
}

async function checkCreatable(path: string, what: string): Promise<void> {
  let probe = path;
  for (;;) {
    let stats;
    try {
      stats = await stat(probe);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOTDIR') throw cannotCreate(path, what, error);
      if (code !== 'ENOENT') throw cannotCreate(path, what, error);
      const parent = dirname(probe);
      if (parent === probe) return;
      probe = parent;
      continue;
    }
    if (!stats.isDirectory()) throw new CannotCreateError(`cannot create ${what} ${path}: a file is in the way`);
    // The directory exists: nothing to make. An ancestor exists: the rest would be made in it.
    if (probe === path) return;
    try {
      await access(probe, constants.W_OK | constants.X_OK);
    } catch (error) {
      throw cannotCreate(path, what, error);
    }
    return;
  }
}
