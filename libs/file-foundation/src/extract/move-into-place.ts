import { lstat, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CannotCreateError } from '@envoys/envoy-core';

interface Move {
  readonly from: string;
  readonly to: string;
  /** A file or symbolic link is in the way of a directory and must go first (rename cannot replace it). */
  readonly removeFirst: boolean;
}

async function plan(from: string, to: string, moves: Move[]): Promise<void> {
  for (const name of await readdir(from)) {
    const source = join(from, name);
    const target = join(to, name);
    const sourceStats = await lstat(source);
    const targetStats = await lstat(target).catch(() => undefined);
    if (!targetStats) {
      moves.push({ from: source, to: target, removeFirst: false });
    } else if (sourceStats.isDirectory() && targetStats.isDirectory()) {
      // lstat: a symbolic link to a directory is not a directory here, so nothing is ever merged through a link.
      await plan(source, target, moves);
    } else if (targetStats.isDirectory()) {
      throw new CannotCreateError(`cannot extract ${target}: a directory of that name is already there`);
    } else {
      // rename() replaces a file or a link itself (never what a link points to) in one step.
      moves.push({ from: source, to: target, removeFirst: sourceStats.isDirectory() });
    }
  }
}

/**
 * Moves an extracted tree from its private temporary directory into the destination, top-level entries first:
 * each entry appears whole, in one rename. Directories already present are merged into; files and symbolic
 * links already present are replaced (a link is replaced, never written through). Conflicts (a file of the
 * archive where the destination has a directory) are found before anything moves.
 */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  const moves: Move[] = [];
  await plan(from, to, moves);
  for (const move of moves) {
    if (move.removeFirst) await unlink(move.to);
    await rename(move.from, move.to);
  }
}
