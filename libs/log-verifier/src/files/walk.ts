import { walkTree } from '@envoys/file-foundation';
import { fileState, type FileState } from './file-state';

/** Return true to stop the walk early. */
export type Visit = (file: string, state: FileState) => boolean;

/**
 * Visits every non-directory entry below `root` with file-foundation's one tree walk: symlinks as links, never
 * followed, so a link cannot lead the walk out of the tree or round in a cycle; entries that vanish during the
 * walk are passed over (the external system may still be removing its temporaries). Returns false when `root`
 * does not exist or is not a directory. Other errors propagate.
 */
export async function walkFiles(root: string, visit: Visit): Promise<boolean> {
  let exists = false;
  for await (const entry of walkTree(root, { skipVanished: true })) {
    if (entry.relative === '') {
      if (entry.kind !== 'directory') return false;
      exists = true;
    } else if (entry.kind !== 'directory' && visit(entry.path, fileState(entry.stats))) {
      return true;
    }
  }
  return exists;
}
