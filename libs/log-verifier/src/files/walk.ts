import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileState, type FileState } from './file-state';
import { isAbsent } from './errno';

/** Return true to stop the walk early. */
export type Visit = (file: string, state: FileState) => boolean;

/**
 * Visits every non-directory entry below `root` (symlinks as links, never followed, so a link cannot lead
 * the walk out of the tree or round in a cycle). Returns false when `root` does not exist. Entries that
 * vanish during the walk are skipped; other errors propagate.
 */
export async function walkFiles(root: string, visit: Visit): Promise<boolean> {
  const pending = [root];
  let first = true;
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (!isAbsent(error)) throw error;
      if (first) return false;
      continue;
    }
    first = false;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        pending.push(full);
        continue;
      }
      let stats;
      try {
        stats = await fs.lstat(full);
      } catch (error) {
        if (isAbsent(error)) continue;
        throw error;
      }
      if (visit(full, fileState(stats))) return true;
    }
  }
  return true;
}
