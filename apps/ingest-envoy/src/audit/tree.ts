import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, inputError } from '@envoys/envoy-core';
import { isInside } from '@envoys/file-foundation';

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
 * stage (and ingest) a file the workflow never produced, so it is refused (65), not followed (SPEC 3.6).
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
 * Lists every file and directory below `root`, refusing what cannot be staged: symlinks leading outside
 * `confine`, broken symlinks, devices, sockets and FIFOs (65). Symlinks inside are followed (their targets
 * are staged under the link's name); a directory reached twice through links is a loop and refused.
 */
export async function walkTree(root: string, confine: string): Promise<Tree> {
  const files: TreeFile[] = [];
  const directories: string[] = [];
  const visited = new Set<string>();
  const walk = async (dir: string, realDir: string, prefix: string): Promise<void> => {
    if (visited.has(realDir)) throw new InvalidInputError(`${dir} is reached twice through symlinks (a loop): refused`);
    visited.add(realDir);
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (error) {
      throw inputError(error, dir);
    }
    for (const name of names) {
      const path = join(dir, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      const entry = await describeEntry(path, confine);
      if (entry.kind === 'file') files.push({ relative: rel, source: entry.source, size: entry.size });
      else {
        directories.push(rel);
        await walk(path, entry.source, rel);
      }
    }
  };
  await walk(root, await realpath(root), '');
  return { files, directories };
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
  throw new InvalidInputError(`${path} is not a regular file or directory (a device, socket or FIFO cannot be ingested): refused`);
}
