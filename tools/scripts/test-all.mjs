#!/usr/bin/env node
// `npm test`: build, type-check, lint and test every project through Nx, then print one summary line
// `N passed, M failed` for the whole workspace (jest's own closing line is per project and shaped differently).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackages } from './system-packages.mjs';
import { ensureVenvs } from './python-venvs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

// A fresh machine has only Node.js: the Debian packages the suites need (redis-server, ...) are installed first
// when this runs as root with apt-get; otherwise one line says what to run, before anything is built. The Python
// venvs of python-venvs.txt (real Traefik, ...) are made outside the repository when missing.
const suites = [
  'test',
  // The storm (`test:cluster`) runs on the same Slurm packages, on a multi-node cluster of the same script.
  ...(process.argv.includes('test-slurm') || process.argv.includes('test-cluster') ? ['test:slurm'] : []),
  ...(process.argv.includes('test-release') ? ['test:release'] : []),
  ...(process.argv.includes('test-casa') ? ['test:casa'] : []),
];
const missing = ensurePackages(suites) ?? ensureVenvs(suites);
if (missing) {
  console.error(`npm test: ${missing}`);
  process.exit(1);
}
const results = join(root, '.nx/test-results');
rmSync(results, { recursive: true, force: true });

const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };
const targets = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['build', 'typecheck', 'lint', 'test'];
const nx = spawnSync(
  'npx',
  ['nx', 'run-many', '-t', ...targets, '--output-style=static', '--parallel=2'],
  { cwd: root, env, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(results)) {
  for (const name of readdirSync(results).filter((file) => file.endsWith('.json'))) {
    const summary = JSON.parse(readFileSync(join(results, name), 'utf8'));
    passed += summary.passed;
    failed += summary.failed;
    skipped += summary.skipped;
  }
}
const status = nx.status ?? 1;
if (status !== 0 && failed === 0) {
  // A build, type or lint error fails the run although no test failed: count it so the line never says all is well.
  failed += 1;
  console.error('\nA build, typecheck, lint or test task failed (see above).');
}
console.log(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(status);
