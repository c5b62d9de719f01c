import { lstat, realpath, stat } from 'node:fs/promises';
import { InvalidInputError, inputError } from '@envoys/envoy-core';
import { isInside, walkTree as walkTreeOf } from '@envoys/file-foundation';

/** A regular file found in an input tree. */
export interface TreeFile {
  /** Path below the tree's root, `/`-separated. */
  readonly relative: string;
  /** Where its bytes are: the file itself, or the target of a symlink (resolved, inside the confinement root). */
  readonly source: string;
  readonly size: number;
}

export interface Tree {
  readonly files: readonly TreeFile[];
  /** Directories below the root (not the root), parents before children. */
  readonly directories: readonly string[];
}

/**
 * A symlink is followed only when it resolves inside the processing directory: one pointing outside would
 * stage (and ingest) a file the workflow never produced, so it is refused (65), not followed (CONTRACT 3.6).
 */
async function resolveLink(path: string, confine: string): Promise<string> {
  let target: string;
  try {
    target = await realpath(path);
  } catch (error) {
    throw new InvalidInputError(`symlink ${path} is broken (its target does not exist): refused`, [], { cause: error });
  }
  if (!isInside(confine, target)) throw new InvalidInputError(`symlink ${path} points outside the processing directory (to ${target}): refused`);
  return target;
}

/**
 * Lists every file and directory below `root` with file-foundation's one tree walk (linear in the entries,
 * stopped at once by `signal`, at most MAX_TREE_DEPTH deep), refusing what cannot be staged: symlinks leading
 * outside `confine`, broken symlinks, devices, sockets and FIFOs (65). Symlinks inside are followed (their
 * targets are staged under the link's name); a symlink back to a directory above it is a loop and refused.
 */
export async function walkTree(root: string, confine: string, signal?: AbortSignal): Promise<Tree> {
  const files: TreeFile[] = [];
  const directories: string[] = [];
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (error) {
    throw inputError(error, root);
  }
  const followLink = async (path: string) => {
    const real = await resolveLink(path, confine);
    try {
      return { real, stats: await stat(real) };
    } catch (error) {
      throw inputError(error, path);
    }
  };
  await walkTreeOf(root, realRoot, { signal, followLink }, (entry) => {
    if (entry.kind === 'directory') directories.push(entry.relative);
    else if (entry.kind === 'file') files.push({ relative: entry.relative, source: entry.link ? entry.real : entry.path, size: entry.stats.size });
    else throw notStageable(entry.path);
  });
  return { files, directories };
}

function notStageable(path: string): InvalidInputError {
  return new InvalidInputError(`${path} is not a regular file or directory (a device, socket or FIFO cannot be ingested): refused`);
}

export interface EntryInfo {
  readonly kind: 'file' | 'directory';
  /** The real path of the entry (a symlink's resolved target). */
  readonly source: string;
  readonly size: number;
}

/** What one directory entry is, after following a symlink that stays inside `confine`. */
export async function describeEntry(path: string, confine: string): Promise<EntryInfo> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    throw inputError(error, path);
  }
  let source = path;
  if (info.isSymbolicLink()) {
    source = await resolveLink(path, confine);
    info = await stat(source);
  } else if (info.isDirectory()) {
    source = await realpath(path);
  }
  if (info.isFile()) return { kind: 'file', source, size: info.size };
  if (info.isDirectory()) return { kind: 'directory', source, size: 0 };
  throw notStageable(path);
}
