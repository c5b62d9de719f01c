#!/usr/bin/env node
// Runs Nx targets for what a pipeline's change affects (used by .gitlab-ci.yml):
//
//   node tools/scripts/ci-affected.mjs <target>...     nx affected -t <target>... from the pipeline's base
//   node tools/scripts/ci-affected.mjs --record-green    remember HEAD as the last successful main pipeline
//
// The base is, in order:
// - a merge request: the merge base with its target branch (CI_MERGE_REQUEST_DIFF_BASE_SHA);
// - a branch other than the default one: its merge base with the default branch;
// - the default branch: the commit of the last successful pipeline on it, asked from the GitLab API when
//   ENVOYS_CI_API_TOKEN (read_api) is set, else the commit recorded by the last successful main pipeline in
//   ci-state/last-green (kept in the GitLab cache), else nothing: then every project runs.
// A base that is not an ancestor of HEAD (history rewritten) is not used.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const RECORD = join(root, 'ci-state/last-green');
const env = process.env;
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const tryGit = (...args) => {
  try {
    return git(...args);
  } catch {
    return undefined;
  }
};
const isAncestor = (sha) => sha !== undefined && spawnSync('git', ['merge-base', '--is-ancestor', sha, 'HEAD'], { cwd: root }).status === 0;

async function lastGreenFromApi() {
  const token = env.ENVOYS_CI_API_TOKEN;
  if (!token || !env.CI_API_V4_URL || !env.CI_PROJECT_ID) return undefined;
  const url = `${env.CI_API_V4_URL}/projects/${env.CI_PROJECT_ID}/pipelines?ref=${encodeURIComponent(env.CI_DEFAULT_BRANCH ?? 'main')}&status=success&per_page=20`;
  try {
    const response = await fetch(url, { headers: { 'PRIVATE-TOKEN': token }, signal: AbortSignal.timeout(15_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const pipelines = await response.json();
    return pipelines.map((pipeline) => pipeline.sha).find((sha) => tryGit('cat-file', '-e', `${sha}^{commit}`) !== undefined && isAncestor(sha));
  } catch (error) {
    console.error(`ci-affected: the GitLab API did not give the last successful pipeline (${error.message}); using the recorded commit`);
    return undefined;
  }
}

async function base() {
  if (env.CI_MERGE_REQUEST_DIFF_BASE_SHA) return { sha: env.CI_MERGE_REQUEST_DIFF_BASE_SHA, why: 'merge request base' };
  const main = env.CI_DEFAULT_BRANCH ?? 'main';
  if (env.CI_COMMIT_BRANCH && env.CI_COMMIT_BRANCH !== main) {
    tryGit('fetch', '--quiet', 'origin', main);
    const sha = tryGit('merge-base', `origin/${main}`, 'HEAD') ?? tryGit('merge-base', main, 'HEAD');
    return sha ? { sha, why: `merge base with ${main}` } : undefined;
  }
  const fromApi = await lastGreenFromApi();
  if (fromApi) return { sha: fromApi, why: 'last successful main pipeline (GitLab API)' };
  const recorded = existsSync(RECORD) ? readFileSync(RECORD, 'utf8').trim() : undefined;
  if (recorded && isAncestor(recorded)) return { sha: recorded, why: 'last successful main pipeline (recorded)' };
  return undefined;
}

const args = process.argv.slice(2);
if (args[0] === '--record-green') {
  mkdirSync(dirname(RECORD), { recursive: true });
  writeFileSync(RECORD, `${git('rev-parse', 'HEAD')}\n`);
  console.log(`ci-affected: recorded ${git('rev-parse', 'HEAD')} as the last successful ${env.CI_DEFAULT_BRANCH ?? 'main'} pipeline`);
  process.exit(0);
}
if (args.length === 0) {
  console.error('usage: ci-affected.mjs <target>... | --record-green');
  process.exit(2);
}

const found = await base();
const common = ['--output-style=static', '--parallel=2'];
const nxArgs = found
  ? ['nx', 'affected', '-t', ...args, `--base=${found.sha}`, '--head=HEAD', ...common]
  : ['nx', 'run-many', '-t', ...args, ...common];
console.log(found ? `ci-affected: ${args.join(' ')} of what changed since ${found.sha} (${found.why})` : `ci-affected: no base commit: ${args.join(' ')} of every project`);
const run = spawnSync('npx', nxArgs, { cwd: root, stdio: 'inherit', env: { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' } });
process.exit(run.status ?? 1);
