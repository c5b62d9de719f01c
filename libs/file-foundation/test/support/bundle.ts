import { buildSync } from 'esbuild';
import { join, resolve } from 'node:path';
import { makeTemp } from './temp';

/**
 * Bundles a TypeScript entry (with the library it imports) into one CommonJS file, to run library code in a
 * separate Node process: under a resource limit, or to see which modules it loads.
 */
export function bundleForChild(entry: string, external: string[] = []): string {
  // With a package left external, import() must become require() so NODE_PATH and require.cache apply to it.
  const supported = external.length > 0 ? { 'dynamic-import': false } : undefined;
  const outfile = join(makeTemp('bundle-'), 'child.cjs');
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external,
    supported,
    logLevel: 'error',
    tsconfig: resolve(__dirname, '../../tsconfig.json'),
  });
  return outfile;
}
