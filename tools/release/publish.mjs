#!/usr/bin/env node
// Puts out one released project, from the commit its tag points at (`nx release` made the tag):
//
//   node tools/release/publish.mjs <project>@<version> [--registry URL] [--dry-run]
//
// - a library (libs/<lib>): builds dist/libs/<lib> and publishes it to the npm registry: --registry, else
//   ENVOYS_NPM_REGISTRY, else (in GitLab CI) this project's GitLab package registry with the job token.
//   ENVOYS_NPM_TOKEN, when set, authenticates (in GitLab CI the job token does).
// - an envoy (apps/<envoy>): builds the deployables into dist/release/: <envoy>-<version>.js (the bundle),
//   <envoy>-<version>-linux-x64 (the single executable) and a .sha256 file for each; in GitLab CI uploads
//   them to the generic package registry and creates the GitLab release of the tag, linking them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const dryRun = args.includes('--dry-run');
const tag = args.find((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--registry');
const match = /^([a-z0-9-]+)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(tag ?? '');
if (!match) {
  console.error('usage: publish.mjs <project>@<version> [--registry URL] [--dry-run]');
  process.exit(2);
}
const [, project, version] = match;
const env = process.env;
const nx = (...nxArgs) => execFileSync('npx', ['nx', ...nxArgs, '--output-style=static'], { cwd: root, stdio: 'inherit', env: { ...env, NX_DAEMON: 'false', NX_TUI: 'false' } });
const fail = (message) => {
  console.error(`publish ${tag}: ${message}`);
  process.exit(1);
};
const gitlab = Boolean(env.CI_JOB_TOKEN && env.CI_API_V4_URL && env.CI_PROJECT_ID);

const manifestPath = ['libs', 'apps'].map((dir) => join(root, dir, project, 'package.json')).find(existsSync);
if (!manifestPath) fail(`${project} is neither libs/${project} nor apps/${project}`);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
if (manifest.version !== version) fail(`${manifestPath} says ${manifest.version}: check out the commit of the tag ${tag}`);

if (manifestPath.includes('/libs/')) await publishLibrary();
else await publishEnvoy();

async function publishLibrary() {
  nx('build', project);
  const registry = option('--registry') ?? env.ENVOYS_NPM_REGISTRY ?? (gitlab ? `${env.CI_API_V4_URL}/projects/${env.CI_PROJECT_ID}/packages/npm/` : undefined);
  if (!registry) fail('no registry: pass --registry URL or set ENVOYS_NPM_REGISTRY');
  const token = env.ENVOYS_NPM_TOKEN ?? (gitlab ? env.CI_JOB_TOKEN : undefined);
  // A user configuration of its own: the @envoys scope goes to this registry, with its token; nothing else.
  const config = mkdtempSync(join(tmpdir(), 'envoys-publish-'));
  const npmrc = join(config, 'npmrc');
  const authority = registry.replace(/^https?:/, '').replace(/\/?$/, '/');
  writeFileSync(npmrc, `@envoys:registry=${registry}\n${token ? `${authority}:_authToken=${token}\n` : ''}`, { mode: 0o600 });
  try {
    execFileSync('npm', ['publish', join(root, 'dist/libs', project), '--registry', registry, '--userconfig', npmrc, '--access', 'public', ...(dryRun ? ['--dry-run'] : [])], {
      cwd: root,
      stdio: 'inherit',
    });
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
  console.log(`publish ${tag}: ${manifest.name}@${version} ${dryRun ? 'would be published' : 'published'} to ${registry}`);
}

async function publishEnvoy() {
  nx('run', `${project}:executable`);
  const out = join(root, 'dist/release');
  mkdirSync(out, { recursive: true });
  const files = [];
  const add = (source, name) => {
    const target = join(out, name);
    copyFileSync(source, target);
    chmodSync(target, 0o755);
    const sum = createHash('sha256').update(readFileSync(target)).digest('hex');
    writeFileSync(`${target}.sha256`, `${sum}  ${name}\n`);
    files.push(target, `${target}.sha256`);
  };
  add(join(root, 'dist/apps', project, 'main.js'), `${project}-${version}.js`);
  add(join(root, 'dist/executables', project), `${project}-${version}-${process.platform}-${process.arch}`);
  for (const file of files) console.log(`publish ${tag}: dist/release/${basename(file)}`);
  if (!gitlab || dryRun) return;

  // The generic package registry keeps the files; the release of the tag links them with its changelog.
  const api = `${env.CI_API_V4_URL}/projects/${env.CI_PROJECT_ID}`;
  const headers = { 'JOB-TOKEN': env.CI_JOB_TOKEN };
  const links = [];
  for (const file of files) {
    const url = `${api}/packages/generic/${project}/${version}/${basename(file)}`;
    const response = await fetch(url, { method: 'PUT', headers, body: readFileSync(file) });
    if (!response.ok) fail(`uploading ${basename(file)}: HTTP ${response.status} ${await response.text()}`);
    links.push({ name: basename(file), url, link_type: basename(file).endsWith('.sha256') ? 'other' : 'package' });
  }
  await createRelease(api, headers, links);
}

async function createRelease(api, headers, links) {
  const changelog = join(dirname(manifestPath), 'CHANGELOG.md');
  const text = existsSync(changelog) ? readFileSync(changelog, 'utf8') : '';
  // This version's section: from its heading to the next heading of the same level.
  const section = text.split(/^(?=#{1,2} \d)/m).find((part) => part.replace(/^#+ /, '').startsWith(version)) ?? '';
  const response = await fetch(`${api}/releases`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ tag_name: tag, name: tag, description: section.trim() || tag, assets: { links } }),
  });
  if (!response.ok && response.status !== 409) fail(`creating the release: HTTP ${response.status} ${await response.text()}`);
  console.log(`publish ${tag}: GitLab release ${tag} with ${links.length} files`);
}
