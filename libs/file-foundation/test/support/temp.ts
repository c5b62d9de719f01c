import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

/** A fresh directory under the system temp directory, removed by removeTemps(). */
export function makeTemp(prefix = 'tmp-'): string {
  const dir = mkdtempSync(join(tmpdir(), `envoys-ff-${prefix}`));
  made.push(dir);
  return dir;
}

export function removeTemps(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Everything below `dir`, sorted: directories end in `/`, links show their target. Used to prove that a
 * failed operation changed nothing.
 */
export function listTree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = prefix + name;
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(path)}`);
    else if (stats.isDirectory()) out.push(`${rel}/`, ...listTree(path, `${rel}/`));
    else out.push(rel);
  }
  return out;
}
