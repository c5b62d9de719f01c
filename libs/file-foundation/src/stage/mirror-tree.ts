import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, outputError } from '@envoys/envoy-core';
import type { Confinement } from '../confine/confinement';
import { walkTree } from '../walk/walk-tree';
import type { PlaceJob } from './place-file';

/** A file of a tree to stage, with its path relative to the tree. */
export type TreeJob = PlaceJob & { readonly name: string };

/**
 * Mirrors a real source directory's directories under a new (temporary) directory, collecting the files to
 * place there, with the one tree walk (walkTree: linear, stoppable). Symbolic links are followed only while
 * they stay inside the processing directory (the content is staged, not the link); one that leads outside or
 * nowhere is refused (65), one that loops back is refused too.
 */
export class TreeMirror {
  readonly files: TreeJob[] = [];
  /** Every directory made, the top one first: each is flushed once its files are in place. */
  readonly directories: string[] = [];

  constructor(
    private readonly within: Confinement,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Mirrors the real directory `from` into the existing directory `to`. */
  async directory(from: string, to: string): Promise<void> {
    this.directories.push(to);
    for await (const entry of walkTree(from, { signal: this.signal, within: this.within, what: 'directory to stage' })) {
      if (entry.relative === '') continue;
      const target = join(to, entry.relative);
      if (entry.kind === 'directory') {
        try {
          await mkdir(target);
        } catch (error) {
          throw outputError(error, target);
        }
        this.directories.push(target);
      } else if (entry.kind === 'file') {
        this.files.push({ name: entry.relative, real: entry.real, stats: entry.stats, target });
      } else {
        throw new InvalidInputError(`cannot stage ${entry.path}: it is not a regular file, directory or symbolic link`);
      }
    }
  }
}
