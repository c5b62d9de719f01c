import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { errnoCode, inputError, InvalidInputError } from '@envoys/envoy-core';
import { followLinkInside, locateInside, type Confinement } from '../confine/confinement';

/**
 * The deepest a walked tree may go below its root. A deeper tree is a mistake or an attack, never a product
 * (the same bound as for tar members); it also keeps every path the walk hands to the kernel far from PATH_MAX.
 */
export const MAX_TREE_DEPTH = 1024;

/** One entry of a walked tree; a symbolic link that is followed is described by what it leads to. */
export type TreeEntry = {
  /** Path below the root, `/`-separated; '' for the root itself. */
  readonly relative: string;
  /** The path as found (through a link's own name). */
  readonly path: string;
  /** Its real location: a followed link's target; otherwise its directory's real location and its name. */
  readonly real: string;
  /** Reached through a symbolic link that was followed. */
  readonly link: boolean;
  /** lstat() of the entry, or stat() of a followed link's target. */
  readonly stats: Stats;
  /**
   * 'symlink': a link that is not followed (walks without `within`). 'other': a device, socket or FIFO,
   * which each caller refuses (or skips) in its own words.
   */
  readonly kind: 'file' | 'directory' | 'symlink' | 'other';
};

export interface WalkTreeOptions {
  /** Checked before every entry: the walk stops at once, rejecting with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Follow symbolic links (the root too) while they lead inside this processing directory: what a link leads to
   * is walked under the link's name; one that leads outside or nowhere is refused (65, see locateInside).
   * Without it, links are entries of kind 'symlink', never followed, so the walk cannot leave the tree.
   */
  readonly within?: Confinement;
  /** How messages name the root ("directory to stage"); by default its path alone. */
  readonly what?: string;
  /** Entries (the root too) that vanish while the tree is walked are passed over, not refused (66). */
  readonly skipVanished?: boolean;
  readonly maxDepth?: number;
}

interface Frame {
  readonly path: string;
  readonly real: string;
  readonly relative: string;
  readonly depth: number;
  readonly names: readonly string[];
  next: number;
  /** lstat() calls already under way for entries of this directory, by index. */
  readonly stats: Map<number, Promise<Stats>>;
}

// lstat() calls started at once for the entries of a directory: each awaited alone costs a round trip through
// libuv's thread pool, and 2,000 files took 150-200 ms that way; started in batches, the pool overlaps them.
const STAT_BATCH = 64;

function prefetchStats(frame: Frame, from: number): void {
  const end = Math.min(frame.names.length, from + STAT_BATCH);
  for (let index = from; index < end; index++) {
    if (frame.stats.has(index)) continue;
    const pending = lstat(`${frame.path}/${frame.names[index] as string}`);
    // Awaited in order later, or never if the walk stops first: no rejection may go unhandled meanwhile.
    pending.catch(() => undefined);
    frame.stats.set(index, pending);
  }
}

function statOf(frame: Frame, index: number): Promise<Stats> {
  if (!frame.stats.has(index)) prefetchStats(frame, index);
  const pending = frame.stats.get(index) as Promise<Stats>;
  frame.stats.delete(index);
  return pending;
}

function isVanished(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

// Byte order, not locale order: the same tree is walked in the same order on every machine.
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function kindOf(stats: Stats): TreeEntry['kind'] {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  return stats.isSymbolicLink() ? 'symlink' : 'other';
}

/**
 * The root as an entry, or undefined when it is absent and that is allowed. The root is always followed when it
 * is a symbolic link: inside `within` when given (locateInside), otherwise as the kernel follows it.
 */
async function rootEntry(root: string, options: WalkTreeOptions): Promise<TreeEntry | undefined> {
  const what = options.what === undefined ? root : `${options.what} ${root}`;
  try {
    if (options.within) {
      const { real, stats, link } = await locateInside(root, options.within, options.what);
      return { relative: '', path: root, real, link, stats, kind: kindOf(stats) };
    }
    const [stats, real] = await Promise.all([stat(root), realpath(root)]);
    return { relative: '', path: root, real, link: false, stats, kind: kindOf(stats) };
  } catch (error) {
    if (options.skipVanished && isVanished(error)) return undefined;
    throw inputError(error, what);
  }
}

/**
 * Walks the tree at `root` depth first, names in code-unit order, yielding the root first (relative '') and
 * then every entry, a directory before what it holds. Streaming: memory holds only the names of the
 * directories on the way down, and the consumer stops the walk by leaving its loop. The cost is linear in
 * the number of entries: real locations are built as the walk goes down (only a followed link costs a lookup
 * of its target), the directories on the way down are a set, and entries are stat()ed a batch at a time,
 * yielded in order. Refused with 65: a tree deeper than `maxDepth`, a symbolic link back to a directory on its
 * own way down (a loop), a link that `within` refuses.
 */
export async function* walkTree(root: string, options: WalkTreeOptions = {}): AsyncGenerator<TreeEntry, void, undefined> {
  const { signal, within, skipVanished = false, maxDepth = MAX_TREE_DEPTH } = options;
  signal?.throwIfAborted();
  const top = await rootEntry(root, options);
  if (top === undefined) return;
  yield top;
  if (top.kind !== 'directory') return;
  const onTheWay = new Set<string>();
  const stack: Frame[] = [];
  const enter = async (entry: TreeEntry, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(entry.path)).sort(byCodeUnit);
    } catch (error) {
      if (skipVanished && isVanished(error)) return;
      throw inputError(error, `directory ${entry.path}`);
    }
    onTheWay.add(entry.real);
    stack.push({ path: entry.path, real: entry.real, relative: entry.relative, depth, names, next: 0, stats: new Map() });
  };
  await enter(top, 0);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const index = frame.next;
    const name = frame.names[index];
    if (name === undefined) {
      stack.pop();
      onTheWay.delete(frame.real);
      continue;
    }
    frame.next += 1;
    signal?.throwIfAborted();
    const path = `${frame.path}/${name}`;
    const relative = frame.relative === '' ? name : `${frame.relative}/${name}`;
    let stats: Stats;
    try {
      stats = await statOf(frame, index);
    } catch (error) {
      if (skipVanished && isVanished(error)) continue;
      throw inputError(error, path);
    }
    let real = `${frame.real}/${name}`;
    let link = false;
    if (within && stats.isSymbolicLink()) {
      ({ real, stats } = await followLinkInside(path, within));
      link = true;
    }
    const entry: TreeEntry = { relative, path, real, link, stats, kind: kindOf(stats) };
    if (entry.kind === 'directory') {
      if (onTheWay.has(real)) throw new InvalidInputError(`symbolic link ${path} loops back to ${real}, a directory above it: refused`);
      if (frame.depth + 1 > maxDepth) throw new InvalidInputError(`${path} is nested more than ${maxDepth} directories deep below ${root}: refused`);
    }
    yield entry;
    if (entry.kind !== 'directory') continue;
    signal?.throwIfAborted();
    await enter(entry, frame.depth + 1);
  }
}
