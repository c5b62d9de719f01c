import { constants } from 'node:fs';
import { access, lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ensureDirectory } from '@envoys/file-foundation';
import { CannotCreateError, InvalidInputError, describeErrno, type Settings, errnoCode } from '@envoys/envoy-core';
import { MANIFEST_NAME } from '../naming';

/** `<stagingRoot>/<basename of DIR>` (CONTRACT 5.2); the root setting is required (65 naming the key). */
export function stagingDirFor(settings: Settings, name: string, cwd: string): string {
  const root = settings.string('envoys.ingest.stagingRoot');
  return join(resolve(cwd, root), name);
}

/**
 * Checks, without creating anything, that the staging directory can be used:
 * - a manifest already there means these products were staged (and probably ingested) before: 65 unless
 *   --reingest, and nothing in staging is touched;
 * - something other than a directory in its place, or a nearest existing ancestor that is not a writable
 *   directory, is 73 (the envoy cannot create its output).
 * Returns whether the directory exists already.
 */
export async function checkStagingDir(stagingDir: string, reingest: boolean): Promise<boolean> {
  const existing = await lstat(stagingDir).catch((error: unknown) => {
    // ENOTDIR: a file stands where a parent directory should be; the ancestor walk below says which.
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw new CannotCreateError(`cannot use staging directory ${stagingDir}: ${describeErrno(errnoCode(error) ?? String(error))}`);
  });
  if (existing) {
    // A link here would have the tars and the manifest written wherever it points while the manifest names
    // this path: whoever can write into the staging root could send an ingestion anywhere.
    if (existing.isSymbolicLink()) throw new CannotCreateError(`cannot use staging directory ${stagingDir}: it is a symbolic link, not a directory`);
    if (!existing.isDirectory()) throw new CannotCreateError(`cannot use staging directory ${stagingDir}: it exists and is not a directory`);
    const manifest = join(stagingDir, MANIFEST_NAME);
    if (!reingest && (await lstat(manifest).catch(() => undefined))) {
      throw new InvalidInputError(`${manifest} already exists: these products were staged for ingestion before (use --reingest to ingest them again)`);
    }
    await requireWritable(stagingDir);
    return true;
  }
  // The nearest existing ancestor decides whether the directory can be made.
  let ancestor = dirname(stagingDir);
  for (;;) {
    const info = await stat(ancestor).catch((error: unknown) => errnoCode(error) ?? String(error));
    if (typeof info !== 'string') {
      if (!info.isDirectory()) throw new CannotCreateError(`cannot create staging directory ${stagingDir}: ${ancestor} is not a directory`);
      break;
    }
    if (info !== 'ENOENT' && info !== 'ENOTDIR') throw new CannotCreateError(`cannot create staging directory ${stagingDir}: ${ancestor}: ${describeErrno(info)}`);
    const parent = dirname(ancestor);
    if (parent === ancestor) break;
    ancestor = parent;
  }
  await requireWritable(ancestor, stagingDir);
  return false;
}

/**
 * Creates the staging directory (or takes the existing one) for writing, and checks once more, now that it is
 * there, that it is a real directory right inside the real staging root: no link in its place (also not one
 * made since checkStagingDir looked), so that nothing is ever written through one. The staging root itself may
 * be reached through links (an operator's configuration, e.g. /lustre linked from elsewhere).
 */
export async function prepareStagingDir(stagingDir: string): Promise<void> {
  await ensureDirectory(dirname(stagingDir), 'staging root');
  try {
    await mkdir(stagingDir);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw new CannotCreateError(`cannot create staging directory ${stagingDir}: ${describeErrno(errnoCode(error) ?? String(error))}`, [], { cause: error });
  }
  const info = await lstat(stagingDir).catch(() => undefined);
  if (info?.isSymbolicLink()) throw new CannotCreateError(`cannot use staging directory ${stagingDir}: it is a symbolic link, not a directory`);
  if (!info?.isDirectory()) throw new CannotCreateError(`cannot use staging directory ${stagingDir}: it exists and is not a directory`);
  const [real, realRoot] = await Promise.all([realpath(stagingDir), realpath(dirname(stagingDir))]);
  if (real !== join(realRoot, basename(stagingDir))) {
    throw new CannotCreateError(`cannot use staging directory ${stagingDir}: it resolves to ${real}, not to a directory in the staging root`);
  }
}

async function requireWritable(dir: string, creating?: string): Promise<void> {
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const what = creating ? `cannot create staging directory ${creating}: ${dir}` : `cannot write into staging directory ${dir}`;
    throw new CannotCreateError(`${what}: ${describeErrno(errnoCode(error) ?? String(error))}`);
  }
}
