import { constants } from 'node:fs';
import { access, lstat, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CannotCreateError, InvalidInputError, describeErrno, type Settings, errnoCode } from '@envoys/envoy-core';
import { MANIFEST_NAME } from '../naming';

/** `<stagingRoot>/<basename of DIR>` (SPEC 5.2); the root setting is required (65 naming the key). */
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
    const info = existing.isSymbolicLink() ? await stat(stagingDir).catch(() => undefined) : existing;
    if (!info?.isDirectory()) throw new CannotCreateError(`cannot use staging directory ${stagingDir}: it exists and is not a directory`);
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

async function requireWritable(dir: string, creating?: string): Promise<void> {
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const what = creating ? `cannot create staging directory ${creating}: ${dir}` : `cannot write into staging directory ${dir}`;
    throw new CannotCreateError(`${what}: ${describeErrno(errnoCode(error) ?? String(error))}`);
  }
}
