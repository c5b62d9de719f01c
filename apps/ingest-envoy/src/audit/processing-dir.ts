import { realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InvalidInputError, inputError } from '@envoys/envoy-core';
import { requireBareName } from '../naming';

/** The processing directory whose products are ingested (CONTRACT 5.1). */
export interface ProcessingDir {
  /** Absolute, as the workflow named it. */
  readonly path: string;
  /** Symlinks resolved: nothing staged may resolve outside it (CONTRACT 3.6). */
  readonly realPath: string;
  /** The staging directory's name: the basename of DIR as given (CONTRACT 5.2). */
  readonly name: string;
  /** The run's stop signal: the walks of the audit stop at once when it fires. */
  readonly signal?: AbortSignal;
}

/** DIR must exist (66) and be a directory (65). */
export async function auditProcessingDir(path: string, signal?: AbortSignal): Promise<ProcessingDir> {
  let real: string;
  try {
    real = await realpath(path);
    if (!(await stat(real)).isDirectory()) throw new InvalidInputError(`processing directory ${path} is not a directory`);
  } catch (error) {
    throw inputError(error, `processing directory ${path}`);
  }
  // basename of "/" is "": nothing can be staged under a name like that.
  return { path, realPath: real, name: requireBareName(basename(path), 'the processing directory name'), signal };
}

/** A path inside the processing directory, for messages and reads. */
export function inDir(dir: ProcessingDir, ...parts: string[]): string {
  return join(dir.path, ...parts);
}
