import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, lstatSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

// The directories made by tempDir in this test file, removed after its last test (jest/remove-temp-dirs.ts):
// a full run makes thousands of them, tens of GB that a CI machine's disk does not have.
const made: string[] = [];

/** A new empty directory under the system temp directory, removed after the test file (ENVOYS_KEEP_TEMP=1 keeps it). */
export function tempDir(prefix = 'envoys-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made so far; one a process still writes into is left, not waited for. */
export function removeTempDirs(): void {
  if (process.env['ENVOYS_KEEP_TEMP'] === '1') return;
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // A directory a lingering process still fills: the system's temp cleaning gets it.
    }
  }
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
