import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InvalidInputError, MissingInputError, inputError } from '@envoys/envoy-core';
import { requireDirectory } from '../directories/require-path';

const TAR_NAME = /\.(tar|tar\.gz|tgz)$/;

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/**
 * Finds the calibration tar in `rawdata/` (CONTRACT 4.6): a `*.tar`, `*.tar.gz` or `*.tgz` regular file (or a link
 * to one; hidden names are partial files of other writers and are skipped).
 *
 * - none: MissingInputError (66);
 * - `preferredName` given (metadata `calibrationTarball`): that file, which must be there (66 otherwise) and be
 *   a bare file name (65 otherwise);
 * - one: that one; several: InvalidInputError (65) listing them.
 *
 * Returns the absolute path.
 */
export async function findCalibrationTar(rawdataDir: string, preferredName?: string): Promise<string> {
  await requireDirectory(rawdataDir, 'rawdata directory');
  let names: string[];
  try {
    names = await readdir(rawdataDir);
  } catch (error) {
    throw inputError(error, `rawdata directory ${rawdataDir}`);
  }
  const candidates: string[] = [];
  for (const name of names.sort()) {
    if (!name.startsWith('.') && TAR_NAME.test(name) && (await isFile(join(rawdataDir, name)))) candidates.push(name);
  }
  if (preferredName !== undefined && preferredName !== '') {
    if (basename(preferredName) !== preferredName || preferredName === '..' || preferredName.includes('\0')) {
      throw new InvalidInputError(`calibrationTarball "${preferredName}" must be a file name in ${rawdataDir}`);
    }
    if (!candidates.includes(preferredName)) {
      const found = candidates.length > 0 ? `; found: ${candidates.join(', ')}` : '';
      throw new MissingInputError(`calibration tar ${join(rawdataDir, preferredName)} does not exist${found}`);
    }
    return join(rawdataDir, preferredName);
  }
  if (candidates.length === 0) {
    throw new MissingInputError(`no calibration tar (*.tar, *.tar.gz, *.tgz) in ${rawdataDir}`);
  }
  if (candidates.length > 1) {
    throw new InvalidInputError(
      `several calibration tars in ${rawdataDir} and no calibrationTarball to choose: ${candidates.join(', ')}`,
      candidates,
    );
  }
  return join(rawdataDir, candidates[0] ?? '');
}
