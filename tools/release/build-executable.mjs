#!/usr/bin/env node
// Builds an envoy's single executable for nodes without Node.js: Node's single-executable application (SEA)
// of the envoy's bundle, with V8's code cache, built into a copy of the Node.js LTS binary that
// tools/release/node-lts pins (node-lts.mjs), whatever node runs this script.
//
//   node tools/release/build-executable.mjs <envoy>     dist/apps/<envoy>/main.js -> dist/executables/<envoy>
//
// The executable runs on machines of the platform and architecture of that binary (linux-x64, glibc)
// and reports the same version as the bundle.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LTS_VERSION, ltsNode } from './node-lts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const envoy = process.argv[2];
const bundle = envoy ? join(root, 'dist/apps', envoy, 'main.js') : '';
if (!envoy || !existsSync(bundle)) {
  console.error(`usage: build-executable.mjs <envoy>  (dist/apps/<envoy>/main.js must exist: npx nx build <envoy>)`);
  process.exit(2);
}

const node = ltsNode();
const work = join(root, 'tmp/executables', envoy);
const output = join(root, 'dist/executables', envoy);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
mkdirSync(dirname(output), { recursive: true });

// The embedded script is the bundle without its #! line, which only the shell needs.
const source = readFileSync(bundle, 'utf8').replace(/^#![^\n]*\n/, '');
writeFileSync(join(work, 'main.cjs'), source);
writeFileSync(
  join(work, 'sea-config.json'),
  JSON.stringify({ main: join(work, 'main.cjs'), output, disableExperimentalSEAWarning: true, useCodeCache: true, useSnapshot: false }),
);
rmSync(output, { force: true });
// Node's own builder (--build-sea, Node 25.5 and later) writes the blob into a copy of the binary running it.
execFileSync(node, ['--build-sea', join(work, 'sea-config.json')], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
chmodSync(output, 0o755);
rmSync(work, { recursive: true, force: true });
console.log(`${envoy}: dist/executables/${envoy} (Node v${LTS_VERSION} ${process.platform}-${process.arch}, code cache)`);
