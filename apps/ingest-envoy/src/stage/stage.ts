import { join } from 'node:path';
import {
  createTar,
  sha256Files,
  stageFiles,
  stageTree,
  type StageOptions,
  type StagedFile,
} from '@envoys/file-foundation';
import type { Logger, StatusHook } from '@envoys/envoy-core';
import type { StagingItem } from '../plan';
import { interruptedBy } from './abort';
import { StagingProgress } from './progress';

/** One file in the staging directory, as the run report lists it. */
export interface ReportedFile {
  /** Path below the staging directory (an SDM's files are `<SDM_ID>/...`). */
  readonly name: string;
  readonly size: number;
  /** Lowercase hex; filled in for links by checksumStaged(). */
  sha256?: string;
  /** link: a hard link to the input; copy: copied and verified; created: made by the envoy (tars, manifest). */
  readonly method: 'link' | 'copy' | 'created';
}

type FileItem = Extract<StagingItem, { kind: 'file' }>;
type TreeItem = Extract<StagingItem, { kind: 'tree' }>;
type TarItem = Extract<StagingItem, { kind: 'tar' }>;

function itemFiles(item: StagingItem): number {
  return item.kind === 'tree' ? item.tree.files.length : 1;
}

function itemBytes(item: StagingItem): number {
  if (item.kind === 'file') return item.size;
  if (item.kind === 'tar') return item.bytes;
  return item.tree.files.reduce((sum, file) => sum + file.size, 0);
}

/** A file as file-foundation placed it, as the report lists it (`prefix`: the tree it belongs to). */
function reported(file: StagedFile, prefix = ''): ReportedFile {
  return { name: `${prefix}${file.name}`, size: file.size, ...(file.sha256 === undefined ? {} : { sha256: file.sha256 }), method: file.method };
}

export interface StageItemsOptions {
  /** The processing directory's real path: nothing staged may come from outside it. */
  readonly root: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** The live status: files and bytes staged of the total. */
  readonly status: StatusHook;
  /** Every staged file, in item order (also after a failure: the report shows how far the staging got). */
  readonly staged: ReportedFile[];
}

/**
 * Places every item in the staging directory with file-foundation: files hard-linked (or copied and verified
 * on another file system), trees staged whole (a re-ingestion swaps the new tree in for the old), tars
 * written. Each appears complete or not at all; a signal stops the staging between (and inside) items and
 * leaves no partial file (exit 128+N).
 *
 * Links are made with `checksum: 'copies'`: staging costs a few system calls per file and not one byte read,
 * and checksumStaged() hashes the linked files afterwards, on every core. Tars are made alongside the linking,
 * not after it: they read the products and hash on other threads while links cost a system call each, so the
 * two together take about as long as the longer one. The first failure stops the other half.
 */
export async function stageItems(items: readonly StagingItem[], stagingDir: string, options: StageItemsOptions): Promise<void> {
  const progress = new StagingProgress(
    options.logger,
    options.status,
    items.reduce((sum, item) => sum + itemBytes(item), 0),
    items.reduce((sum, item) => sum + itemFiles(item), 0),
  );
  // One signal for both halves: the run's (a received SIGTERM) or the other half's failure. (Not
  // AbortSignal.any: that needs Node 20.3, and the bundle runs on any Node 20.)
  const stop = new AbortController();
  const signal = stop.signal;
  const forward = () => stop.abort(options.signal.reason);
  if (options.signal.aborted) forward();
  else options.signal.addEventListener('abort', forward, { once: true });
  const place: StageOptions = { root: options.root, signal, checksum: 'copies', onProgress: (bytes) => progress.bytes(bytes) };
  const results = new Map<StagingItem, ReportedFile[]>();
  const guarded = async (half: () => Promise<void>) => {
    try {
      await half();
    } catch (error) {
      stop.abort(error);
      throw error;
    }
  };
  const files = items.filter((item): item is FileItem => item.kind === 'file');
  const trees = items.filter((item): item is TreeItem => item.kind === 'tree');
  const tars = items.filter((item): item is TarItem => item.kind === 'tar');
  const outcomes = await Promise.allSettled([
    guarded(async () => {
      const byName = new Map(files.map((item) => [item.name, item]));
      await stageFiles(
        files.map((item) => ({ source: item.source, name: item.name })),
        stagingDir,
        {
          ...place,
          onStaged: (file) => {
            const item = byName.get(file.name);
            if (item) results.set(item, [reported(file)]);
            progress.filesDone();
          },
        },
      );
      for (const item of trees) {
        const tree = await stageTree(item.source, stagingDir, item.name, { ...place, replace: true });
        results.set(item, tree.files.map((file) => reported(file, `${item.name}/`)));
        progress.filesDone(tree.files.length);
      }
    }),
    guarded(async () => {
      for (const item of tars) {
        signal.throwIfAborted();
        const tar = await createTar({ cwd: item.base, entries: item.members, target: join(stagingDir, item.name), gzip: item.gzip, signal, dereferenceWithin: options.root });
        results.set(item, [{ name: item.name, size: tar.size, sha256: tar.sha256, method: 'created' }]);
        progress.bytes(item.bytes);
        progress.filesDone();
      }
    }),
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
 * linked file exactly once, several files at a time (copies and tars were hashed while they were written and
 * are not read again). Returns the bytes hashed.
 */
export async function checksumStaged(staged: readonly ReportedFile[], stagingDir: string, signal: AbortSignal): Promise<number> {
  const linked = staged.filter((file) => file.sha256 === undefined);
  let digests: string[];
  try {
    digests = await sha256Files(linked.map((file) => join(stagingDir, file.name)), { signal });
  } catch (error) {
    if (signal.aborted) throw interruptedBy(signal, `computing checksums in ${stagingDir}`);
    throw error;
  }
  linked.forEach((file, index) => {
    file.sha256 = digests[index];
  });
  return linked.reduce((sum, file) => sum + file.size, 0);
}
