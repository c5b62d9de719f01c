import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import { inputError, InvalidInputError } from '@envoys/envoy-core';
import { confinementOf, type Confinement } from '../confine/confinement';
import { isInside } from '../confine/is-inside';
import { realLocation } from '../confine/real-location';
import { walkTree, type TreeEntry } from '../walk/walk-tree';

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

function describeType(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file, directory or symbolic link';
}

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

  /** `within`: the processing directory inside which symbolic links are followed (see createTar). */
  constructor(
    private readonly cwd: string,
    private readonly exclude: string,
    private readonly within: Confinement | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Adds an entry ('' is the base directory itself, whose contents are added without it) with everything below
   * it, by the one tree walk: links followed inside the processing directory when dereferencing, otherwise
   * stored as links (the entry itself too).
   */
  async add(name: string): Promise<void> {
    const absolute = name === '' ? this.cwd : join(this.cwd, name);
    if (absolute === this.exclude) return;
    if (this.within === undefined) {
      const stats = await lstatInput(absolute);
      if (stats.isSymbolicLink()) return this.addLink(name, absolute, stats);
    }
    for await (const entry of walkTree(absolute, { within: this.within, signal: this.signal, what: 'tar entry' })) {
      if (entry.path === this.exclude) continue;
      const member = entry.relative === '' ? name : name === '' ? entry.relative : `${name}/${entry.relative}`;
      // What a followed link leads to is read from its real location, under the link's name (tar --dereference).
      await this.addEntry(member, this.within === undefined ? entry.path : entry.real, entry);
    }
  }

  private async addEntry(name: string, absolute: string, entry: TreeEntry): Promise<void> {
    const { stats } = entry;
    if (entry.kind === 'directory') {
      if (name !== '') this.push({ name, absolute, kind: 'directory', size: 0, mode: stats.mode, mtime: dateOf(stats) });
      return;
    }
    if (entry.kind === 'symlink') return this.addLink(name, absolute, stats);
    if (entry.kind !== 'file') {
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

  private async addLink(name: string, absolute: string, stats: Stats): Promise<void> {
    const linkpath = await readlink(absolute).catch((error: unknown) => {
      throw inputError(error, `symbolic link ${absolute}`);
    });
    this.push({ name, absolute, kind: 'symlink', size: 0, mode: stats.mode, mtime: dateOf(stats), linkpath });
  }

  private push(item: TarItem): void {
    if (this.names.has(item.name)) return;
    this.names.add(item.name);
    this.items.push(item);
  }
}

/**
 * Lists what goes into a tar: each entry (relative to `cwd`) and, for directories, everything below them in
 * byte order of the names (the one tree walk's order), so the archive is the same whatever order the file system
 * returns. Entries keep the caller's order; an entry named twice (or inside another one) is stored once. Symbolic
 * links are stored as links, unless `dereferenceWithin` is given: then they are followed while they lead inside
 * that directory, and one that leads outside or nowhere is refused (65, see createTar). An entry may not climb out of `cwd` (also not through a linked parent directory). `exclude` (the
 * tar being written, when it lies inside `cwd`) is skipped.
 */
export async function collectTarItems(
  cwd: string,
  entries: readonly string[],
  exclude: string,
  dereferenceWithin?: string,
  signal?: AbortSignal,
): Promise<TarItem[]> {
  const base = resolve(cwd);
  const realBase = await realLocation(base);
  const within = dereferenceWithin === undefined ? undefined : await confinementOf(dereferenceWithin);
  const collector = new ItemCollector(base, resolve(exclude), within, signal);
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
