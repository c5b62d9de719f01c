#!/usr/bin/env node
// `npm run fuzz -- --minutes N`: a fuzzing campaign over every property target of the workspace. The targets
// are the `test/*.properties.spec.ts` files of each project (their describeTargets lists; `npm test` runs the
// same targets bounded, with a fixed seed): a new file, or a new target in one, joins the campaign by itself.
// The N minutes are shared evenly by the targets; each runs as many generated inputs as fit in its share, from
// a fresh seed. Prints executions and findings per target; a finding prints its counterexample and seed, to be
// made a regression (the target's `regressions`). Exit status 1 when anything was found.
//
// Coverage-guided fuzzing with @jazzer.js/core was tried first: its 4.0.0 native fuzzer needs glibc 2.38 (these
// machines have 2.36) and its older releases download their binaries in an install script, which is not allowed
// here. fast-check with many runs is the campaign's engine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const minutesAt = args.indexOf('--minutes');
const minutes = minutesAt >= 0 ? Number(args[minutesAt + 1]) : 10;
if (!(minutes > 0)) {
  console.error('usage: npm run fuzz -- --minutes N   (N > 0: the campaign\'s length, shared by all targets)');
  process.exit(2);
}

/** Every project (a folder with a jest.config.cjs) that has property targets, with its target files. */
function projectsWithTargets() {
  const found = [];
  for (const group of ['libs', 'apps', 'tools']) {
    const base = join(root, group);
    for (const name of group === 'tools' ? ['.'] : readdirSync(base)) {
      const project = join(base, name);
      const testDir = join(project, 'test');
      if (!existsSync(join(project, 'jest.config.cjs')) || !existsSync(testDir)) continue;
      const files = readdirSync(testDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.properties.spec.ts'));
      if (files.length > 0) found.push({ project, files: files.map((file) => join(testDir, file)) });
    }
  }
  return found;
}

function jest(project, files, env) {
  return spawnSync(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), '-c', join(project, 'jest.config.cjs'), ...files, '--runInBand'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  }).status;
}

const projects = projectsWithTargets();
const results = join(root, '.nx/fuzz-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

// First the list: how many targets share the time.
const listing = join(results, 'targets.txt');
for (const { project, files } of projects) jest(project, files, { ENVOYS_FUZZ_LIST: listing });
const targets = existsSync(listing) ? readFileSync(listing, 'utf8').trim().split('\n').filter(Boolean) : [];
if (targets.length === 0) {
  console.error('no property targets found (test/*.properties.spec.ts)');
  process.exit(1);
}
const seconds = Math.max(1, Math.floor((minutes * 60) / targets.length));
console.log(`\nfuzzing ${targets.length} targets in ${projects.map(({ project }) => relative(root, project) || '.').join(', ')}: ${seconds} s each\n`);
for (const { project, files } of projects) jest(project, files, { ENVOYS_FUZZ_SECONDS_PER_TARGET: String(seconds), ENVOYS_FUZZ_RESULTS: results });

const rows = readdirSync(results)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(results, file), 'utf8')))
  .sort((a, b) => a.name.localeCompare(b.name));
console.log('\n| target | executions | seconds | executions/s | findings |\n|:---|---:|---:|---:|:---|');
for (const row of rows) {
  const finding = row.failure ? `1: ${row.failure.split('\n').find((line) => line.startsWith('Counterexample')) ?? 'see above'} (seed ${row.seed})` : 'none';
  console.log(`| ${row.name} | ${row.runs} | ${row.seconds.toFixed(0)} | ${Math.round(row.runs / row.seconds)} | ${finding} |`);
}
const missing = targets.filter((name) => !rows.some((row) => row.name === name));
for (const name of missing) console.log(`| ${name} | - | - | - | did not finish (see above) |`);
process.exit(rows.some((row) => row.failure) || missing.length > 0 ? 1 : 0);
