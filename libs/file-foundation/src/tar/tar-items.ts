import type { Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import { InvalidInputError, inputError } from '@envoys/envoy-core';
import { isInside } from '../confine/is-inside';
import { realLocation } from '../confine/real-location';

/** One member of a tar being created: what to write, under which name. */
export interface TarItem {
  /** Path inside the archive: relative, `/`-separated, no trailing slash. */
  readonly name: string;
  readonly absolute: string;
  readonly kind: 'file' | 'directory' | 'symlink' | 'hardlink';
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date;
  /** Symbolic link: its target as stored; hard link: the archive name of the first path of the same file. */
  readonly linkpath?: string;
}

// Byte order, not locale order: the same tree gives the same archive on every machine.
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describeType(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file, directory or symbolic link';
}

class ItemCollector {
  readonly items: TarItem[] = [];
  private readonly names = new Set<string>();
  // Files with several links are stored once; later names become hard-link members (as GNU tar does).
  private readonly firstNameOfInode = new Map<string, string>();

  constructor(
    private readonly cwd: string,
    private readonly exclude: string,
  ) {}

  async add(name: string): Promise<void> {
    const absolute = name === '' ? this.cwd : join(this.cwd, name);
    if (absolute === this.exclude) return;
    let stats: Stats;
    try {
      stats = await lstat(absolute);
    } catch (error) {
      throw inputError(error, `tar entry ${absolute}`);
    }
    if (stats.isDirectory()) {
      if (name !== '') this.push({ name, absolute, kind: 'directory', size: 0, mode: stats.mode, mtime: stats.mtime });
      let children: string[];
      try {
        children = await readdir(absolute);
      } catch (error) {
        throw inputError(error, `directory ${absolute}`);
      }
      for (const child of children.sort(byCodeUnit)) await this.add(name === '' ? child : `${name}/${child}`);
      return;
    }
    if (stats.isSymbolicLink()) {
      const linkpath = await readlink(absolute).catch((error: unknown) => {
        throw inputError(error, `symbolic link ${absolute}`);
      });
      this.push({ name, absolute, kind: 'symlink', size: 0, mode: stats.mode, mtime: stats.mtime, linkpath });
      return;
    }
    if (!stats.isFile()) {
      throw new InvalidInputError(`cannot put ${absolute} in a tar: it is ${describeType(stats)}`);
    }
    if (stats.nlink > 1) {
      const inode = `${stats.dev}:${stats.ino}`;
      const first = this.firstNameOfInode.get(inode);
      if (first !== undefined) {
        this.push({ name, absolute, kind: 'hardlink', size: 0, mode: stats.mode, mtime: stats.mtime, linkpath: first });
        return;
      }
      this.firstNameOfInode.set(inode, name);
    }
    this.push({ name, absolute, kind: 'file', size: stats.size, mode: stats.mode, mtime: stats.mtime });
  }

  private push(item: TarItem): void {
    if (this.names.has(item.name)) return;
    this.names.add(item.name);
    this.items.push(item);
  }
}

/**
 * Lists what goes into a tar: each entry (relative to `cwd`) and, for directories, everything below them in
 * byte order of the names, so the archive is the same whatever order the file system returns. Entries keep the
 * caller's order; an entry named twice (or inside another one) is stored once. Symbolic links are stored as links,
 * never followed, and an entry may not climb out of `cwd` (also not through a linked parent directory).
 * `exclude` (the tar being written, when it lies inside `cwd`) is skipped.
 */
export async function collectTarItems(cwd: string, entries: readonly string[], exclude: string): Promise<TarItem[]> {
  const base = resolve(cwd);
  const realBase = await realLocation(base);
  const collector = new ItemCollector(base, resolve(exclude));
  for (const entry of entries) {
    if (entry.includes('\0') || entry === '' || posix.isAbsolute(entry)) {
      throw new InvalidInputError(`tar entry ${JSON.stringify(entry)} must be a path relative to ${base}`);
    }
    const name = posix.normalize(entry).replace(/\/+$/, '');
    const absolute = resolve(base, name);
    // The entry itself may be a link (stored as a link), but the directories leading to it are followed.
    const outside =
      !isInside(base, absolute) || (name !== '.' && !isInside(realBase, await realLocation(dirname(absolute))));
    if (outside) {
      throw new InvalidInputError(`tar entry "${entry}" points outside ${base}`);
    }
    await collector.add(name === '.' ? '' : name);
  }
  return collector.items;
}
