import type { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoCode, inputError, InvalidInputError } from '@envoys/envoy-core';
import { isInside } from './is-inside';

/**
 * The processing directory that everything an envoy reads from it must really lie inside (CONTRACT 3.6): a
 * symbolic link is followed only while it stays inside. Any object with these two fields will do (ingest's
 * ProcessingDir is one).
 */
export interface Confinement {
  /** The directory as named, for messages. */
  readonly path: string;
  /** Its real location, symbolic links resolved: the yardstick. */
  readonly realPath: string;
}

/** Where a path really is, once checked to lie inside its confinement. */
export interface Located {
  /** The real location: a symbolic link's target, otherwise the path itself with its directories resolved. */
  readonly real: string;
  /** What lies there (a symbolic link's target is described, not the link). */
  readonly stats: Stats;
  /** The path itself is a symbolic link (followed). */
  readonly link: boolean;
}

/** Real locations of the directories paths were found in, shared by the paths of one batch. */
export type RealParents = Map<string, Promise<string>>;

/** The confinement of the processing directory `path`: 66 when it does not exist. */
export async function confinementOf(path: string): Promise<Confinement> {
  try {
    return { path, realPath: await realpath(path) };
  } catch (error) {
    throw inputError(error, `processing directory ${path}`);
  }
}

/**
 * Follows the symbolic link `link` when it leads inside `within`. Refused with 65, in the words every envoy
 * uses: a link that leads outside (it is never followed) and a dangling one (its target does not exist).
 */
export async function followLinkInside(link: string, within: Confinement): Promise<Omit<Located, 'link'>> {
  let real: string;
  try {
    real = await realpath(link);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new InvalidInputError(`symlink ${link} is dangling (its target does not exist): refused`, [], { cause: error });
    }
    throw inputError(error, `symlink ${link}`);
  }
  if (!isInside(within.realPath, real)) {
    throw new InvalidInputError(`symlink ${link} points outside the processing directory (to ${real}): refused`);
  }
  try {
    return { real, stats: await stat(real) };
  } catch (error) {
    throw inputError(error, `symlink ${link}`);
  }
}

/**
 * A path that is not a symbolic link is where its directory really is, plus its name: the directory's real
 * location is looked up once for a whole batch (through `parents`), so a batch of files from one directory
 * costs one lstat() each instead of an lstat() and a realpath().
 */
async function realOfPlain(path: string, parents: RealParents | undefined): Promise<string> {
  if (!parents) return realpath(path);
  const absolute = resolve(path);
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
 * The one confinement policy: where `path` (an input named `what` in messages) really is, checked to lie
 * inside `within`. A symbolic link is followed while it stays inside; one that leads outside or nowhere is
 * refused with 65 (followLinkInside), and so is a path that lies outside through a linked directory on its
 * way. A path that does not exist is 66 (`what` names it in messages). `parents` caches real locations of
 * directories across a batch.
 */
export async function locateInside(path: string, within: Confinement, what?: string, parents?: RealParents): Promise<Located> {
  const named = what === undefined ? path : `${what} ${path}`;
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    throw inputError(error, named);
  }
  if (stats.isSymbolicLink()) return { ...(await followLinkInside(path, within)), link: true };
  let real: string;
  try {
    real = await realOfPlain(path, parents);
  } catch (error) {
    throw inputError(error, named);
  }
  if (!isInside(within.realPath, real)) {
    throw new InvalidInputError(`${named} lies at ${real}, outside the processing directory: refused`);
  }
  // lstat already described the path itself (one system call less per file).
  return { real, stats, link: false };
}
