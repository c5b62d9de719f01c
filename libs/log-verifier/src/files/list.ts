import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileState, type FileState } from './file-state';
import { isAbsent, reason } from './errno';
import { globDirectory, type Glob } from './glob';

export interface ListedFile {
  readonly path: string;
  readonly state: FileState;
}

/** Files matching a glob (sorted by path), or why the directory could not be read. */
export type Listing = { readonly files: readonly ListedFile[] } | { readonly error: string; readonly dir: string };

/**
 * Only regular files count (symlinks are followed): a directory that happens to be called `casa-x.log` is
 * not a log. With `directories`, only directories count (a MeasurementSet). A missing directory is an empty
 * listing, so a `required` rule reports it.
 */
export async function listGlob(baseDir: string, glob: Glob, directories = false): Promise<Listing> {
  const dir = globDirectory(baseDir, glob);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if (isAbsent(error)) return { files: [] };
    return { error: `cannot list directory: ${reason(error)}`, dir };
  }
  const files: ListedFile[] = [];
  for (const name of names.filter((n) => glob.name.test(n)).sort()) {
    const file = path.join(dir, name);
    try {
      const stats = await fs.stat(file);
      if (directories ? stats.isDirectory() : stats.isFile()) files.push({ path: file, state: fileState(stats) });
    } catch (error) {
      // Vanished between readdir and stat, or a dangling symlink: not a file that is there.
      if (!isAbsent(error)) return { error: `cannot read ${name}: ${reason(error)}`, dir };
    }
  }
  return { files };
}
