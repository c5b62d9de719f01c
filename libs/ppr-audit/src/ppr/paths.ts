import { inputError, InvalidInputError } from '@envoys/envoy-core';
import { realpath } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { checkPprPaths } from './correct';

/** The two texts of a PPR corrected for the job's directory (SPEC 4.5). */
export interface PprPaths {
  /** The parent of the processing directory's real path: SCIPIPE_ROOTDIR. */
  readonly rootDirectory: string;
  /** The last component of that real path. */
  readonly relativePath: string;
}

/**
 * Computes RootDirectory and RelativePath from the processing directory as it really is: under HTCondor the
 * scratch directory is often reached through a symbolic link, and CASA resolves paths from the real one.
 */
export async function resolvePprPaths(processingDir: string): Promise<PprPaths> {
  let real: string;
  try {
    real = await realpath(processingDir);
  } catch (error) {
    throw inputError(error, `processing directory ${processingDir}`);
  }
  const relativePath = basename(real);
  if (relativePath === '') {
    throw new InvalidInputError(`processing directory ${processingDir} is the root directory: it has no parent for RootDirectory`);
  }
  const paths = { rootDirectory: dirname(real), relativePath };
  // The checks correctPpr makes, made here already: a dry run stops before the correction but not before them.
  checkPprPaths(paths);
  return paths;
}
