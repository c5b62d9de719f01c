import { basename, join } from 'node:path';
import { InvalidInputError, syncDirectory } from '@envoys/envoy-core';
import { confinementOf, locateInside, type RealParents } from '../confine/confinement';
import { ensureDirectory } from '../directories/ensure-directory';
import { placeAll } from './place-all';
import type { PlaceJob, Placed } from './place-file';
import { checkStagedName } from './staged-name';
import type { FileToStage, StageFilesOptions, StagedFile } from './stage-types';

// Sources checked at once: the checks are a few system calls each, which overlap in the thread pool.
const CHECK_BATCH = 32;

type Job = PlaceJob & { readonly name: string };

/** Checks every source before anything is written: a bad one fails the batch with nothing staged. */
async function checkAll(files: readonly FileToStage[], stagingDir: string, options: StageFilesOptions): Promise<Job[]> {
  const within = await confinementOf(options.root);
  const names = new Set<string>();
  const parents: RealParents = new Map();
  const jobs: Job[] = [];
  for (let start = 0; start < files.length; start += CHECK_BATCH) {
    options.signal?.throwIfAborted();
    const batch = files.slice(start, start + CHECK_BATCH);
    jobs.push(
      ...(await Promise.all(
        batch.map(async ({ source, name }) => {
          const stagedName = checkStagedName(name ?? basename(source));
          if (names.has(stagedName)) throw new InvalidInputError(`two files would be staged as ${JSON.stringify(stagedName)}`);
          names.add(stagedName);
          const { real, stats } = await locateInside(source, within, 'file to stage', parents);
          if (!stats.isFile()) throw new InvalidInputError(`file to stage ${source} is not a regular file`);
          return { name: stagedName, real, stats, target: join(stagingDir, stagedName) };
        }),
      )),
    );
  }
  return jobs;
}

/**
 * Stages files into `stagingDir` for an external system to pick up (CONTRACT 5.2), each as `name` (default: the
 * source's own name): a hard link when the staging directory is on the same file system, otherwise a copy
 * verified by checksum. Each file appears in one step, replacing an earlier one of that name; the directory is
 * flushed once at the end, so when this resolves every name is durable.
 *
 * All sources are checked before the first file is placed: each must really lie inside `options.root` (the
 * processing directory; a symbolic link out of it or a dangling one is refused, 65, never followed), a missing
 * one is 66, two files under one name are 65. A staging directory that cannot be written is 73. Linking costs a few system
 * calls per file, several files at a time; with `checksum: 'copies'` not a byte is read for a link.
 */
export async function stageFiles(
  files: readonly FileToStage[],
  stagingDir: string,
  options: StageFilesOptions,
): Promise<StagedFile[]> {
  options.signal?.throwIfAborted();
  const jobs = await checkAll(files, stagingDir, options);
  await ensureDirectory(stagingDir, 'staging directory');
  const staged = (index: number, placed: Placed): StagedFile => {
    const job = jobs[index] as Job;
    return { name: job.name, path: job.target, ...placed };
  };
  const placed = await placeAll(jobs, options, options.onStaged && ((index, file) => options.onStaged?.(staged(index, file))));
  await syncDirectory(stagingDir);
  return placed.map((file, index) => staged(index, file));
}
