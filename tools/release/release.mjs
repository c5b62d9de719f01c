#!/usr/bin/env node
// Makes a release of every project that changed since its last release (docs/RELEASING.md):
//
//   node tools/release/release.mjs [--dry-run] [--push] [--publish] [--registry URL] [--groups G] [--projects P]
//
// --groups (libraries, envoys) and --projects (names) limit the release, as for `nx release`.
// 1. `nx release --skip-publish`: next versions from conventional commits, package.json and CHANGELOG.md of
//    each released project, one commit, and a tag <project>@<version> per project.
// 2. --push (the CI release job): pushes the commit (without a pipeline of its own) and then each tag on its
//    own, so that each tag's pipeline publishes that project (GitLab starts no pipelines for a push of more
//    than four tags). ENVOYS_RELEASE_TOKEN: a token that may push to the default branch.
// 3. --publish (a release made by hand, or the registry test): publishes each new tag here and now with
//    tools/release/publish.mjs (--registry is passed on).
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const registryAt = args.indexOf('--registry');
const registry = registryAt >= 0 ? args[registryAt + 1] : undefined;
const filters = ['--groups', '--projects'].flatMap((name) => (args.includes(name) ? [name, args[args.indexOf(name) + 1] ?? ''] : []));
const env = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' };
const git = (...gitArgs) => execFileSync('git', gitArgs, { cwd: root, encoding: 'utf8' }).trim();

// The release commit needs an author; in CI, the person whose push started the pipeline.
if (spawnSync('git', ['config', 'user.email'], { cwd: root }).status !== 0) {
  env.GIT_AUTHOR_NAME = env.GIT_COMMITTER_NAME = env.GITLAB_USER_NAME ?? 'envoys release';
  env.GIT_AUTHOR_EMAIL = env.GIT_COMMITTER_EMAIL = env.GITLAB_USER_EMAIL ?? 'release@envoys.invalid';
}

const tagsBefore = new Set(git('tag', '--list').split('\n').filter(Boolean));
const nx = spawnSync('npx', ['nx', 'release', '--skip-publish', ...filters, ...(dryRun ? ['--dry-run'] : [])], { cwd: root, env, stdio: 'inherit' });
if (nx.status !== 0) process.exit(nx.status ?? 1);
const released = git('tag', '--points-at', 'HEAD').split('\n').filter((tag) => tag && !tagsBefore.has(tag));
if (dryRun) process.exit(0);
if (released.length === 0) {
  console.log('release: nothing to release (no project has a releasable change since its last tag)');
  process.exit(0);
}
console.log(`release: ${released.join(', ')}`);

if (args.includes('--push')) {
  const token = env.ENVOYS_RELEASE_TOKEN;
  if (!token || !env.CI_SERVER_HOST || !env.CI_PROJECT_PATH) {
    console.error('release: --push needs ENVOYS_RELEASE_TOKEN, CI_SERVER_HOST and CI_PROJECT_PATH');
    process.exit(1);
  }
  const remote = `https://oauth2:${token}@${env.CI_SERVER_HOST}/${env.CI_PROJECT_PATH}.git`;
  execFileSync('git', ['push', '-o', 'ci.skip', remote, `HEAD:${env.CI_DEFAULT_BRANCH ?? 'main'}`], { cwd: root, stdio: 'inherit' });
  for (const tag of released) execFileSync('git', ['push', remote, `refs/tags/${tag}`], { cwd: root, stdio: 'inherit' });
}

if (args.includes('--publish')) {
  for (const tag of released) {
    const publish = spawnSync(process.execPath, [join(root, 'tools/release/publish.mjs'), tag, ...(registry ? ['--registry', registry] : [])], { cwd: root, env, stdio: 'inherit' });
    if (publish.status !== 0) process.exit(publish.status ?? 1);
  }
}
