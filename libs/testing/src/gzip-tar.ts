import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from './bundles';

/**
 * Writes a gzipped tar of `mib` MiB that costs almost nothing to make or store (tools/bench/gen-bomb-tar.mjs):
 * `zeros` (one file of zeros: a compression ratio above 1000, a bomb), `sparse` (1 MiB files of mostly zeros,
 * ratio about 370), `random` (incompressible).
 */
export function writeGzipTar(file: string, kind: 'zeros' | 'sparse' | 'random', mib: number): void {
  execFileSync(process.execPath, [join(workspaceRoot, 'tools/bench/gen-bomb-tar.mjs'), file, kind, String(mib)]);
}
