import { join } from 'node:path';
import { createTar, sha256File } from '@envoys/file-foundation';
import type { Logger } from '@envoys/envoy-core';
import type { StagingItem } from '../plan';
import { interruptedBy } from './abort';
import { linkOrCopy, type LinkOrCopyOptions } from './link-or-copy';
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
  /** The processing directory's real path: nothing staged may come from outside it. */
  readonly root: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly tty: boolean;
  /** Each staged file is appended as soon as it is in place (so a failed run's report shows how far it got). */
  readonly staged: StagedFile[];
}

/** Stages one item; returns the files it put in staging. */
async function stageItem(item: StagingItem, stagingDir: string, options: LinkOrCopyOptions): Promise<StagedFile[]> {
  const { signal, onBytes } = options;
  const target = join(stagingDir, item.name);
  if (item.kind === 'file') return [{ name: item.name, ...(await linkOrCopy(item.source, target, item.size, options)) }];
  if (item.kind === 'tree') {
    const files = await stageTree(item.tree, target, options);
    return files.map(({ relative, ...result }) => ({ name: `${item.name}/${relative}`, ...result }));
  }
  const tar = await createTar({ cwd: item.base, entries: item.members, target, gzip: item.gzip, signal });
  onBytes?.(item.bytes);
  return [{ name: item.name, size: tar.size, sha256: tar.sha256, method: 'created' }];
}

/**
 * Places every item in the staging directory: files linked or copied, trees staged whole, tars written.
 * Each appears complete or not at all; a signal stops the staging between (and inside) items and leaves no
 * partial file (exit 128+N).
 *
 * Tars are made alongside the linking and copying, not after it: they read the products and compress or
 * hash on other threads while links cost a system call each, so the two together take about as long as the
 * longer one. The first failure stops the other half before the error is reported.
 */
export async function stageItems(items: readonly StagingItem[], stagingDir: string, options: StageOptions): Promise<void> {
  const progress = new StagingProgress(options.logger, items.reduce((sum, item) => sum + itemBytes(item), 0), items.length, options.tty);
  const onBytes = (bytes: number) => progress.bytes(bytes);
  // One signal for both halves: the run's (a received SIGTERM) or the other half's failure. (Not
  // AbortSignal.any: that needs Node 20.3, and the bundle runs on any Node 20.)
  const stop = new AbortController();
  const signal = stop.signal;
  const forward = () => stop.abort(options.signal.reason);
  if (options.signal.aborted) forward();
  else options.signal.addEventListener('abort', forward, { once: true });
  const results = new Map<StagingItem, StagedFile[]>();
  const sequence = async (part: readonly StagingItem[]) => {
    try {
      for (const item of part) {
        signal.throwIfAborted();
        results.set(item, await stageItem(item, stagingDir, { root: options.root, signal, onBytes }));
        progress.item();
      }
    } catch (error) {
      stop.abort(error);
      throw error;
    }
  };
  const outcomes = await Promise.allSettled([
    sequence(items.filter((item) => item.kind !== 'tar')),
    sequence(items.filter((item) => item.kind === 'tar')),
  ]);
  options.signal.removeEventListener('abort', forward);
  // In item order, also after a failure: the report shows what was staged before it.
  for (const item of items) options.staged.push(...(results.get(item) ?? []));
  if (options.signal.aborted) throw interruptedBy(options.signal, `staging into ${stagingDir}`);
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  // The half that failed first is the reason; the other half only stopped because of it.
  if (failed) throw (stop.signal.reason as unknown) ?? failed.reason;
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
