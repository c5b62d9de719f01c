import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { describeErrno, InvalidInputError, inputError, errnoCode } from '@envoys/envoy-core';

/** What the backend is asked to open, as the audit found it (CONTRACT 6.3 step 1). */
export interface SessionTarget {
  /** The image or folder the backend opens (absolute). */
  readonly path: string;
  /** CARTA's --top_level_folder: the folder itself, or the image's parent. */
  readonly topLevelFolder: string;
  /** --single: the image relative to the top-level folder, for the URL's `file=` (CARTA opens it). */
  readonly file?: string;
  /** One line for the log and the report. */
  readonly description: string;
  /** Doubts that do not stop the session: CARTA reads more formats than the audit recognises. */
  readonly warnings: readonly string[];
}

const FITS_MAGIC = Buffer.from('SIMPLE');
const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readableDirectory(path: string, what: string): Promise<void> {
  try {
    // Listing needs read, opening files below needs search (x) permission.
    await access(path, constants.R_OK | constants.X_OK);
  } catch (error) {
    throw new InvalidInputError(`${what} ${path} is not readable: ${describeErrno(errnoCode(error) || 'EACCES')}`, [], { cause: error });
  }
}

/** The first bytes of a file; failing to read them is exit 65 (it exists but cannot be used). */
async function head(path: string, length: number): Promise<Buffer> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw inputError(error, `image ${path}`);
  }
}

/**
 * `--single IMAGE`: a FITS (or HDF5) file, or a CASA or MIRIAD image directory. Missing is 66; present but
 * unreadable, or neither file nor directory, is 65. An unrecognised format is only a warning: CARTA itself
 * is the judge of what it can open.
 */
export async function auditImage(given: string, cwd: string): Promise<SessionTarget> {
  const path = resolve(cwd, given);
  const info = await stat(path).catch((error: unknown) => {
    throw inputError(error, `image ${path}`);
  });
  const topLevelFolder = dirname(path);
  if (info.isDirectory()) {
    await readableDirectory(path, 'image directory');
    const casa = await exists(join(path, 'table.dat'));
    const miriad = !casa && (await exists(join(path, 'header'))) && (await exists(join(path, 'image')));
    const kind = casa ? 'CASA image' : miriad ? 'MIRIAD image' : 'image directory';
    const warnings = casa || miriad ? [] : [`${path} is a directory with neither table.dat (CASA) nor header and image (MIRIAD); CARTA may not open it`];
    return { path, topLevelFolder, file: basename(path), description: `${kind} ${path}`, warnings };
  }
  if (!info.isFile()) throw new InvalidInputError(`image ${path} is neither a file nor a directory`);
  const first = await head(path, HDF5_MAGIC.length);
  const fits = first.subarray(0, FITS_MAGIC.length).equals(FITS_MAGIC);
  const hdf5 = first.equals(HDF5_MAGIC);
  const kind = fits ? 'FITS image' : hdf5 ? 'HDF5 image' : 'image file';
  const warnings = fits || hdf5 ? [] : [`${path} does not start like a FITS or HDF5 file; CARTA may not open it`];
  return { path, topLevelFolder, file: basename(path), description: `${kind} ${path}`, warnings };
}

/** `--folder DIR`: must be a readable directory; missing is 66, a file (or unreadable) is 65. */
export async function auditFolder(given: string, cwd: string): Promise<SessionTarget> {
  const path = resolve(cwd, given);
  const info = await stat(path).catch((error: unknown) => {
    throw inputError(error, `folder ${path}`);
  });
  if (!info.isDirectory()) throw new InvalidInputError(`folder ${path} is not a directory`);
  await readableDirectory(path, 'folder');
  return { path, topLevelFolder: path, description: `folder ${path}`, warnings: [] };
}
