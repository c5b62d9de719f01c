import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { inputError, InvalidInputError } from '@envoys/envoy-core';

/**
 * The deepest a walked tree may go below its root. A deeper tree is a mistake or an attack, never a product
 * (the same bound as for tar members); it also keeps every path the walk hands to the kernel far from PATH_MAX.
 */
export const MAX_TREE_DEPTH = 1024;

/** One entry of a walked tree; a symbolic link (followed) is described by what it leads to. */
export type TreeEntry = {
  /** Path below the root, `/`-separated. */
  readonly relative: string;
  /** The path as found (through a link's own name). */
  readonly path: string;
  /** Its real location: a followed link's target; otherwise its directory's real location and its name. */
  readonly real: string;
  /** Reached through a symbolic link. */
  readonly link: boolean;
} & (
  | { readonly kind: 'file'; readonly stats: Stats }
  | { readonly kind: 'directory' }
  /** A device, socket or FIFO: each caller refuses it in its own words. */
  | { readonly kind: 'other'; readonly stats: Stats }
);

export interface WalkTreeOptions {
  /** Checked before every entry: the walk stops at once, rejecting with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Where a symbolic link leads (its real path and the target's stat()); throws when it may not be followed
   * (outside the processing directory, dangling). Links are the only entries whose real path is looked up.
   */
  readonly followLink: (path: string) => Promise<{ readonly real: string; readonly stats: Stats }>;
  readonly maxDepth?: number;
}

interface Frame {
  readonly path: string;
  readonly real: string;
  readonly relative: string;
  readonly depth: number;
  readonly entries: readonly Dirent[];
  next: number;
  /** lstat() calls already under way for entries of this directory, by index. */
  readonly stats: Map<number, Promise<Stats>>;
}

// lstat() calls started at once for the entries of a directory that need one: each awaited alone costs a
// round trip through libuv's thread pool, and 2,000 files took 150-200 ms that way; started in batches, the
// pool overlaps them (the same batch size as the tar's collection of members).
const STAT_BATCH = 64;

/** Starts lstat() for up to STAT_BATCH entries from `from` on that will need one (not directories, not links). */
function prefetchStats(frame: Frame, from: number): void {
  let started = 0;
  for (let index = from; index < frame.entries.length && started < STAT_BATCH; index++) {
    const dirent = frame.entries[index] as Dirent;
    if (dirent.isDirectory() || dirent.isSymbolicLink() || frame.stats.has(index)) continue;
    const pending = lstat(`${frame.path}/${dirent.name}`);
    // Awaited in order later, or never if the walk stops first: no rejection may go unhandled meanwhile.
    pending.catch(() => undefined);
    frame.stats.set(index, pending);
    started++;
  }
}

async function statOf(frame: Frame, index: number, path: string): Promise<Stats> {
  if (!frame.stats.has(index)) prefetchStats(frame, index);
  const pending = frame.stats.get(index) ?? lstat(path);
  frame.stats.delete(index);
  try {
    return await pending;
  } catch (error) {
    throw inputError(error, path);
  }
}

function byCodeUnit(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

async function listDirectory(path: string): Promise<Dirent[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).sort(byCodeUnit);
  } catch (error) {
    throw inputError(error, `directory ${path}`);
  }
}

/**
 * Walks the tree below `root` (whose real location is `realRoot`) depth first, names in code-unit order, and
 * calls `visit` for every entry, a directory before what it holds. The cost is linear in the number of
 * entries: real locations are built as the walk goes down (only a symbolic link costs a lookup of its
 * target), the directories on the way down are a set, one system call lists a directory with the types of its
 * entries, and only files are stat()ed (a batch at a time, visited in order). (The kernel still resolves each
 * path from the root, which the depth bound keeps cheap.) Refused with 65: a tree deeper than `maxDepth`, a symbolic link back to a directory on
 * its own way down (a loop), whatever `followLink` refuses.
 */
export async function walkTree(
  root: string,
  realRoot: string,
  options: WalkTreeOptions,
  visit: (entry: TreeEntry) => void | Promise<void>,
): Promise<void> {
  const { signal, followLink, maxDepth = MAX_TREE_DEPTH } = options;
  signal?.throwIfAborted();
  const onTheWay = new Set<string>([realRoot]);
  const stack: Frame[] = [{ path: root, real: realRoot, relative: '', depth: 0, entries: await listDirectory(root), next: 0, stats: new Map() }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const dirent = frame.entries[frame.next];
    if (dirent === undefined) {
      stack.pop();
      onTheWay.delete(frame.real);
      continue;
    }
    const index = frame.next;
    frame.next += 1;
    signal?.throwIfAborted();
    const path = `${frame.path}/${dirent.name}`;
    const relative = frame.relative === '' ? dirent.name : `${frame.relative}/${dirent.name}`;
    let real = `${frame.real}/${dirent.name}`;
    let link = false;
    let stats: Stats | undefined;
    let directory = dirent.isDirectory();
    if (dirent.isSymbolicLink()) {
      ({ real, stats } = await followLink(path));
      link = true;
      directory = stats.isDirectory();
    } else if (!directory) {
      // A file (whose size and identity staging needs), something else, or a type the file system did not say.
      stats = await statOf(frame, index, path);
      directory = stats.isDirectory();
    }
    if (!directory) {
      const described = stats as Stats;
      await visit(described.isFile() ? { relative, path, real, link, kind: 'file', stats: described } : { relative, path, real, link, kind: 'other', stats: described });
      continue;
    }
    if (onTheWay.has(real)) throw new InvalidInputError(`symbolic link ${path} loops back to ${real}, a directory above it: refused`);
    if (frame.depth + 1 > maxDepth) throw new InvalidInputError(`${path} is nested more than ${maxDepth} directories deep below ${root}: refused`);
    await visit({ relative, path, real, link, kind: 'directory' });
    signal?.throwIfAborted();
    onTheWay.add(real);
    stack.push({ path, real, relative, depth: frame.depth + 1, entries: await listDirectory(path), next: 0, stats: new Map() });
  }
}
