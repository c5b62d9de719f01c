import type { Stats } from 'node:fs';
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import { errnoCode, inputError, InvalidInputError, MissingInputError } from '@envoys/envoy-core';
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

// A Date of this module's realm: node-tar tests `instanceof Date` when writing pax headers, and under a test
// runner that sandboxes modules (jest) fs.Stats dates come from Node's own realm and fail that test.
function dateOf(stats: Stats): Date {
  return new Date(stats.mtimeMs);
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

// lstat calls in flight at once while walking a directory: the thread pool overlaps them, which matters on
// network file systems and took the walk of 2,000 files from 120 ms to a few ms on a local disk.
const STAT_BATCH = 64;

async function lstatInput(path: string): Promise<Stats> {
  try {
    return await lstat(path);
  } catch (error) {
    throw inputError(error, `tar entry ${path}`);
  }
}

class ItemCollector {
  readonly items: TarItem[] = [];
  private readonly names = new Set<string>();
  // Files with several links are stored once; later names become hard-link members (as GNU tar does).
  private readonly firstNameOfInode = new Map<string, string>();

  /** `dereferenceWithin`: the real path inside which symbolic links are followed (see createTar). */
  constructor(
    private readonly cwd: string,
    private readonly exclude: string,
    private readonly dereferenceWithin: string | undefined,
  ) {}

  /** Adds an entry ('' is the base directory itself, whose contents are added without it). */
  async add(name: string): Promise<void> {
    const absolute = name === '' ? this.cwd : join(this.cwd, name);
    if (absolute === this.exclude) return;
    const real = this.dereferenceWithin === undefined ? undefined : await realLocation(absolute);
    await this.addWithStats(name, absolute, await lstatInput(absolute), real, new Set());
  }

  /**
   * What a symbolic link leads to, when links are followed: its real path and stats. A link that leads outside
   * the confinement is refused (65), a dangling one is 66.
   */
  private async follow(absolute: string, within: string): Promise<{ real: string; stats: Stats }> {
    let real: string;
    try {
      real = await realpath(absolute);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw new MissingInputError(`symbolic link ${absolute} points to nothing (its target does not exist)`);
      throw inputError(error, `symbolic link ${absolute}`);
    }
    if (!isInside(within, real)) {
      throw new InvalidInputError(`symbolic link ${absolute} leads to ${real}, outside ${within}; it is not followed`);
    }
    try {
      return { real, stats: await stat(real) };
    } catch (error) {
      throw inputError(error, `symbolic link ${absolute}`);
    }
  }

  /**
   * `real`: the entry's real location when links are followed (built as the walk goes down, so that no
   * directory costs a lookup of its whole path: the walk stays linear in the entries, also in deep trees).
   * `visiting`: the real directories on the way down, when links are followed: a link back to one of them would
   * recurse forever (added and removed as the walk goes down and up).
   */
  private async addWithStats(name: string, absolute: string, stats: Stats, real: string | undefined, visiting: Set<string>): Promise<void> {
    if (stats.isSymbolicLink() && this.dereferenceWithin !== undefined) {
      // Stored as what it points to, under the link's name, as `tar --dereference` does.
      const target = await this.follow(absolute, this.dereferenceWithin);
      return this.addWithStats(name, target.real, target.stats, target.real, visiting);
    }
    if (stats.isDirectory()) {
      if (name !== '') {
        this.push({ name, absolute, kind: 'directory', size: 0, mode: stats.mode, mtime: dateOf(stats) });
      }
      if (real === undefined) {
        await this.addChildren(name, absolute, undefined, visiting);
        return;
      }
      if (visiting.has(real)) throw new InvalidInputError(`symbolic link to ${absolute} loops back to ${real}`);
      visiting.add(real);
      await this.addChildren(name, absolute, real, visiting);
      visiting.delete(real);
      return;
    }
    if (stats.isSymbolicLink()) {
      const linkpath = await readlink(absolute).catch((error: unknown) => {
        throw inputError(error, `symbolic link ${absolute}`);
      });
      this.push({ name, absolute, kind: 'symlink', size: 0, mode: stats.mode, mtime: dateOf(stats), linkpath });
      return;
    }
    if (!stats.isFile()) {
      throw new InvalidInputError(`cannot put ${absolute} in a tar: it is ${describeType(stats)}`);
    }
    if (stats.nlink > 1) {
      const inode = `${stats.dev}:${stats.ino}`;
      const first = this.firstNameOfInode.get(inode);
      if (first !== undefined) {
        const mtime = dateOf(stats);
        this.push({ name, absolute, kind: 'hardlink', size: 0, mode: stats.mode, mtime, linkpath: first });
        return;
      }
      this.firstNameOfInode.set(inode, name);
    }
    this.push({ name, absolute, kind: 'file', size: stats.size, mode: stats.mode, mtime: dateOf(stats) });
  }

  private async addChildren(name: string, absolute: string, real: string | undefined, visiting: Set<string>): Promise<void> {
    let children: string[];
    try {
      children = (await readdir(absolute)).sort(byCodeUnit);
    } catch (error) {
      throw inputError(error, `directory ${absolute}`);
    }
    for (let start = 0; start < children.length; start += STAT_BATCH) {
      const batch = children.slice(start, start + STAT_BATCH).map((child) => ({
        base: child,
        name: name === '' ? child : `${name}/${child}`,
        absolute: join(absolute, child),
      }));
      const stats = await Promise.all(
        batch.map((child) => (child.absolute === this.exclude ? undefined : lstatInput(child.absolute))),
      );
      // Stats arrive in parallel, members are added in name order: the archive stays deterministic.
      for (const [index, child] of batch.entries()) {
        const childStats = stats[index];
        if (childStats) await this.addWithStats(child.name, child.absolute, childStats, real === undefined ? undefined : `${real}/${child.base}`, visiting);
      }
    }
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
 * unless `dereferenceWithin` is given: then they are followed while they lead inside that directory (see
 * createTar). An entry may not climb out of `cwd` (also not through a linked parent directory). `exclude` (the
 * tar being written, when it lies inside `cwd`) is skipped.
 */
export async function collectTarItems(
  cwd: string,
  entries: readonly string[],
  exclude: string,
  dereferenceWithin?: string,
): Promise<TarItem[]> {
  const base = resolve(cwd);
  const realBase = await realLocation(base);
  const within = dereferenceWithin === undefined ? undefined : await realLocation(dereferenceWithin);
  const collector = new ItemCollector(base, resolve(exclude), within);
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
