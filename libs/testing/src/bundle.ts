import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Bundles a TypeScript entry (with its imports) into one CommonJS file, so a test can run library code in a
 * real, separate Node process (to kill it, signal it, or watch its exit status).
 */
export function bundleForChild(entry: string): string {
  const outfile = join(mkdtempSync(join(tmpdir(), 'envoys-bundle-')), 'child.cjs');
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile, logLevel: 'error' });
  return outfile;
}
