import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, MissingInputError, inputError } from '@envoys/envoy-core';
import { WEBLOG_NAME } from '../naming';
import type { StagingItem } from '../plan';
import { inDir, type ProcessingDir } from './processing-dir';
import { describeEntry, listTree, type TreeFile } from './tree';

/** The weblog of the newest pipeline run, to be tarred as `pipeline-<ts>/html/...` into weblog.tgz. */
export interface Weblog {
  /** working/: the tar's base directory. */
  readonly base: string;
  /** `pipeline-<ts>/html`, the one tar member (a directory). */
  readonly member: string;
  readonly files: readonly TreeFile[];
}

// The pipeline names each run's directory after its start time; a suffix (fractional seconds) may follow.
const PIPELINE_RUN = /^pipeline-(\d{8}T\d{6}(?:\.\d+)?)$/;

/**
 * The newest `working/pipeline-<YYYYMMDDTHHMMSS>/html/` by the timestamp in its name (not by mtime, which a
 * copy or a restore changes). Only the newest run counts: if it has no html/, an older run's weblog is not
 * ingested in its place (66). No pipeline run at all is 66.
 */
export async function newestWeblog(dir: ProcessingDir): Promise<Weblog> {
  const working = inDir(dir, 'working');
  let names: string[];
  try {
    const root = await describeEntry(working, dir);
    if (root.kind !== 'directory') throw new InvalidInputError(`${working} is not a directory`);
    names = await readdir(working);
  } catch (error) {
    throw inputError(error, `${working} (where the pipeline's weblog is)`);
  }
  const runs = names
    .map((name) => ({ name, stamp: PIPELINE_RUN.exec(name)?.[1] }))
    .filter((run): run is { name: string; stamp: string } => run.stamp !== undefined)
    .sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
  const newest = runs[0];
  if (!newest) throw new MissingInputError(`no weblog: ${working} has no pipeline-<YYYYMMDDTHHMMSS> directory`);
  const html = join(working, newest.name, 'html');
  if (!(await lstat(html).catch(() => undefined))) {
    throw new MissingInputError(`no weblog: the newest pipeline run ${newest.name} has no html/ in ${working} (an older run's weblog is not ingested instead)`);
  }
  const info = await describeEntry(html, dir);
  if (info.kind !== 'directory') throw new InvalidInputError(`${html} is not a directory`);
  const tree = await listTree(html, dir);
  return { base: working, member: `${newest.name}/html`, files: tree.files };
}

/** weblog.tgz as a staging item: a fresh gzipped tar of the newest run's html/ (CONTRACT 5.2). */
export function weblogItem(weblog: Weblog): StagingItem {
  return {
    kind: 'tar',
    name: WEBLOG_NAME,
    base: weblog.base,
    members: [weblog.member],
    gzip: true,
    bytes: weblog.files.reduce((sum, file) => sum + file.size, 0),
  };
}
