import { InvalidInputError } from '@envoys/envoy-core';
import { locateInside, walkTree } from '@envoys/file-foundation';
import type { ProcessingDir } from './processing-dir';

/** A regular file found in an input tree. */
export interface TreeFile {
  /** Path below the tree's root, `/`-separated. */
  readonly relative: string;
  /** Where its bytes are: the file itself, or the target of a symlink (resolved, inside the processing directory). */
  readonly source: string;
  readonly size: number;
}

export interface Tree {
  readonly files: readonly TreeFile[];
  /** Directories below the root (not the root), parents before children. */
  readonly directories: readonly string[];
}

function notStageable(path: string): InvalidInputError {
  return new InvalidInputError(`${path} is not a regular file or directory (a device, socket or FIFO cannot be ingested): refused`);
}

/**
 * Lists every file and directory below `root` with file-foundation's one tree walk (linear in the entries,
 * stopped at once by the run's signal, at most MAX_TREE_DEPTH deep) and its one confinement policy: a symlink
 * is followed only inside the processing directory (its target is staged under the link's name), since one
 * pointing outside would stage a file the workflow never produced; one leading outside or nowhere (dangling)
 * is refused (65, CONTRACT 3.6), and so are devices, sockets, FIFOs and a symlink back to a directory above it.
 */
export async function listTree(root: string, dir: ProcessingDir): Promise<Tree> {
  const files: TreeFile[] = [];
  const directories: string[] = [];
  for await (const entry of walkTree(root, { within: dir, signal: dir.signal })) {
    if (entry.relative === '') continue;
    if (entry.kind === 'directory') directories.push(entry.relative);
    else if (entry.kind === 'file') files.push({ relative: entry.relative, source: entry.link ? entry.real : entry.path, size: entry.stats.size });
    else throw notStageable(entry.path);
  }
  return { files, directories };
}

export interface EntryInfo {
  readonly kind: 'file' | 'directory';
  /** Where it is read from: a file's own path, a symlink's resolved target, a directory's real path. */
  readonly source: string;
  readonly size: number;
}

/** What one directory entry is, after following a symlink that stays inside the processing directory. */
export async function describeEntry(path: string, dir: ProcessingDir): Promise<EntryInfo> {
  const { real, stats, link } = await locateInside(path, dir);
  if (stats.isFile()) return { kind: 'file', source: link ? real : path, size: stats.size };
  if (stats.isDirectory()) return { kind: 'directory', source: real, size: 0 };
  throw notStageable(path);
}
