import { open } from 'node:fs/promises';

/**
 * Flushes a directory's entries to disk, so a rename just made survives a crash. Best effort: some file
 * systems refuse fsync on a directory, and the data themselves were flushed before the rename.
 */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}
