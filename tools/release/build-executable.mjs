#!/usr/bin/env node
// Builds an envoy's single executable for nodes without Node.js: Node's single-executable application (SEA)
// of the envoy's bundle, with V8's code cache, injected into a copy of the node binary that runs this script.
//
//   node tools/release/build-executable.mjs <envoy>     dist/apps/<envoy>/main.js -> dist/executables/<envoy>
//
// The executable runs on machines of the same platform and architecture as the node binary (here linux-x64)
// and reports the same version as the bundle.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const envoy = process.argv[2];
const bundle = envoy ? join(root, 'dist/apps', envoy, 'main.js') : '';
if (!envoy || !existsSync(bundle)) {
  console.error(`usage: build-executable.mjs <envoy>  (dist/apps/<envoy>/main.js must exist: npx nx build <envoy>)`);
  process.exit(2);
}

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
  JSON.stringify({ main: join(work, 'main.cjs'), output: join(work, 'sea-prep.blob'), disableExperimentalSEAWarning: true, useCodeCache: true, useSnapshot: false }),
);
execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });

rmSync(output, { force: true });
copyFileSync(process.execPath, output);
chmodSync(output, 0o755);
execFileSync(
  process.execPath,
  [join(root, 'node_modules/postject/dist/cli.js'), output, 'NODE_SEA_BLOB', join(work, 'sea-prep.blob'), '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
rmSync(work, { recursive: true, force: true });
console.log(`${envoy}: dist/executables/${envoy} (Node ${process.version} ${process.platform}-${process.arch}, code cache)`);
