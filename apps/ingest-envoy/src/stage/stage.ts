import { join } from 'node:path';
import { createTar, sha256File } from '@envoys/file-foundation';
import type { Logger } from '@envoys/envoy-core';
import type { StagingItem } from '../plan';
import { interruptedBy } from './abort';
import { linkOrCopy } from './link-or-copy';
import { StagingProgress } from './progress';
import { stageTree } from './stage-tree';

/** One file in the staging directory, as the run report lists it. */
export interface StagedFile {
  /** Path below the staging directory (an SDM's files are `<SDM_ID>/...`). */
  readonly name: string;
  readonly size: number;
  /** Lowercase hex; filled in for links by checksumStaged(). */
  sha256?: string;
  /** link: a hard link to the input; copy: copied and verified; created: made by the envoy (tars, manifest). */
  readonly method: 'link' | 'copy' | 'created';
}

function itemBytes(item: StagingItem): number {
  if (item.kind === 'file') return item.size;
  if (item.kind === 'tar') return item.bytes;
  return item.tree.files.reduce((sum, file) => sum + file.size, 0);
}

export interface StageOptions {
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly tty: boolean;
  /** Each staged file is appended as soon as it is in place (so a failed run's report shows how far it got). */
  readonly staged: StagedFile[];
}

/**
 * Places every item in the staging directory: files linked or copied, trees staged whole, tars written.
 * Each appears complete or not at all; a signal stops the staging between (and inside) items and leaves no
 * partial file (exit 128+N).
 */
export async function stageItems(items: readonly StagingItem[], stagingDir: string, options: StageOptions): Promise<void> {
  const { signal, staged } = options;
  const progress = new StagingProgress(options.logger, items.reduce((sum, item) => sum + itemBytes(item), 0), items.length, options.tty);
  const onBytes = (bytes: number) => progress.bytes(bytes);
  try {
    for (const item of items) {
      signal.throwIfAborted();
      const target = join(stagingDir, item.name);
      if (item.kind === 'file') {
        const result = await linkOrCopy(item.source, target, item.size, { signal, onBytes });
        staged.push({ name: item.name, ...result });
      } else if (item.kind === 'tree') {
        for (const file of await stageTree(item.tree, target, { signal, onBytes })) {
          const { relative, ...result } = file;
          staged.push({ name: `${item.name}/${relative}`, ...result });
        }
      } else {
        const tar = await createTar({ cwd: item.base, entries: item.members, target, gzip: item.gzip, signal });
        onBytes(item.bytes);
        staged.push({ name: item.name, size: tar.size, sha256: tar.sha256, method: 'created' });
      }
      progress.item();
    }
  } catch (error) {
    if (signal.aborted) throw interruptedBy(signal, `staging into ${stagingDir}`);
    throw error;
  }
}

/**
 * The checksums the report lists for hard-linked files. Linking costs nothing per byte; this pass reads each
 * linked file exactly once (copies and tars were hashed while they were written and are not read again).
 */
export async function checksumStaged(staged: readonly StagedFile[], stagingDir: string, signal: AbortSignal): Promise<number> {
  let bytes = 0;
  try {
    for (const file of staged) {
      if (file.sha256 !== undefined) continue;
      file.sha256 = await sha256File(join(stagingDir, file.name), signal);
      bytes += file.size;
    }
  } catch (error) {
    if (signal.aborted) throw interruptedBy(signal, `computing checksums in ${stagingDir}`);
    throw error;
  }
  return bytes;
}
