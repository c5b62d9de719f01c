import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, lstatSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** A new empty directory under the system temp directory. */
export function tempDir(prefix = 'envoys-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A fingerprint of a directory tree (names, types, link targets, content hashes), to prove that inputs were
 * not modified and that nothing was created where it should not be.
 */
export function treeFingerprint(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      const key = relative(dir, path);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) result[key] = `link:${readlinkSync(path)}`;
      else if (stat.isDirectory()) {
        result[key] = 'dir';
        walk(path);
      } else result[key] = `file:${createHash('sha256').update(readFileSync(path)).digest('hex')}:${stat.mode.toString(8)}`;
    }
  };
  walk(dir);
  return result;
}
