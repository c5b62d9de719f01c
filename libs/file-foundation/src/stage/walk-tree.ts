import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, inputError, outputError } from '@envoys/envoy-core';
import type { PlaceJob } from './place-file';
import { realSource } from './real-source';

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A file of a tree to stage, with its path relative to the tree. */
export type TreeJob = PlaceJob & { readonly name: string };

/**
 * Walks a real source directory and mirrors its directories under a new (temporary) directory, collecting the
 * files to place there. Symbolic links are followed only while they stay inside the processing directory (the
 * content is staged, not the link); one that leads outside is refused (65), one that loops back is refused too.
 */
export class TreeWalk {
  readonly files: TreeJob[] = [];
  /** Every directory made, the top one first: each is flushed once its files are in place. */
  readonly directories: string[] = [];

  constructor(
    private readonly root: string,
    private readonly rootPath: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Mirrors the real directory `from` into the existing directory `to`. `visiting` holds the real directories
   * on the way down: a symbolic link back to one of them would recurse forever.
   */
  async directory(from: string, to: string, prefix: string, visiting: ReadonlySet<string>): Promise<void> {
    this.directories.push(to);
    let names: string[];
    try {
      names = (await readdir(from)).sort(byCodeUnit);
    } catch (error) {
      throw inputError(error, `directory ${from}`);
    }
    for (const name of names) {
      this.signal?.throwIfAborted();
      const path = join(from, name);
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      let stats: Stats;
      try {
        stats = await lstat(path);
      } catch (error) {
        throw inputError(error, path);
      }
      let real = path;
      if (stats.isSymbolicLink()) {
        ({ real, stats } = await realSource(path, this.root, this.rootPath, 'file to stage'));
      }
      const target = join(to, name);
      if (stats.isDirectory()) {
        if (visiting.has(real)) throw new InvalidInputError(`symbolic link ${path} loops back to ${real}`);
        try {
          await mkdir(target);
        } catch (error) {
          throw outputError(error, target);
        }
        await this.directory(real, target, relative, new Set([...visiting, real]));
      } else if (stats.isFile()) {
        this.files.push({ name: relative, real, stats, target });
      } else {
        throw new InvalidInputError(`cannot stage ${path}: it is not a regular file, directory or symbolic link`);
      }
    }
  }
}
