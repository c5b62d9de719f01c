import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort, tempDir, waitFor, workspaceRoot } from '@envoys/testing';

// A release publishes the four libraries to a real npm registry (Verdaccio 6.8.0 on loopback, no uplinks: it
// knows only what the release put there). A project outside this repository then installs @envoys/envoy-core
// from it (the @envoys scope mapped to that registry, everything else from the normal registry), type-checks
// and bundles a small envoy with esbuild, and runs it. A breaking change of envoy-core's API then fails the
// library build until its API report is updated, and releases a new major version.

const LIBRARIES = ['envoy-core', 'ppr-audit', 'file-foundation', 'log-verifier'];
const bin = (name: string) => join(workspaceRoot, 'node_modules/.bin', name);

interface Registry {
  readonly url: string;
  readonly token: string;
  readonly process: ChildProcess;
}

async function startRegistry(dir: string): Promise<Registry> {
  const port = await freeLoopbackPort();
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(dir, 'htpasswd')}`,
      '    max_users: 10',
      // No uplinks: the registry serves only what was published to it.
      'uplinks: {}',
      'packages:',
      "  '@envoys/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'log: { type: stdout, format: json, level: warn }',
      'web: { enable: false }',
    ].join('\n') + '\n',
  );
  const child = spawn(process.execPath, [join(workspaceRoot, 'node_modules/verdaccio/bin/verdaccio'), '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = `http://127.0.0.1:${port}/`;
  let up = false;
  const ping = async () => {
    try {
      up = (await fetch(`${url}-/ping`)).ok;
    } catch {
      up = false;
    }
  };
  await waitFor(() => {
    void ping();
    return up;
  }, 60_000, 'verdaccio to answer');
  // A user for publishing, as `npm adduser` makes one.
  const response = await fetch(`${url}-/user/org.couchdb.user:release`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'release', password: 'release-password-1', type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const { token } = (await response.json()) as { token: string };
  return { url, token, process: child };
}

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Envoys Test', '-c', 'user.email=test@envoys.invalid', ...args], { cwd: repo, encoding: 'utf8' }).trim();
}

function sh(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}, expected = 0): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', FORCE_COLOR: '0', ...env }, maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== expected) throw new Error(`\`${command} ${args.join(' ')}\` exited ${result.status ?? result.signal}, not ${expected}:\n${output.slice(-6000)}`);
  return output;
}

const versionOf = (repo: string, lib: string): string => (JSON.parse(readFileSync(join(repo, 'libs', lib, 'package.json'), 'utf8')) as { version: string }).version;

/** The versions of a package the registry holds. */
function published(registry: Registry, name: string): string[] {
  const result = spawnSync('npm', ['view', name, 'versions', '--json', '--registry', registry.url], { encoding: 'utf8' });
  if (result.status !== 0) return [];
  const versions = JSON.parse(result.stdout) as string | string[];
  return Array.isArray(versions) ? versions : [versions];
}

const ECHO_ENVOY = `
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { exitStatusFindings, MissingInputError, runEnvoy, step, type EnvoyDefinition, type Launcher } from '@envoys/envoy-core';

// An envoy of another team: audits INPUT, runs \`cat\` on it, and verifies cat's exit status.
const echoEnvoy: EnvoyDefinition = {
  cli: {
    envoy: 'echo-envoy',
    version: '3.1.4',
    summary: 'Prints INPUT with cat and checks that cat succeeded.',
    processingDir: true,
    modes: [{ name: 'print', flag: '--print', args: ['INPUT'], description: 'print the file INPUT' }],
  },
  settings: [],
  workDir: (commandLine) => commandLine.processingDir ?? '.',
  launchers: {
    print: (context): Launcher => {
      const input = resolve(context.workDir, context.commandLine.args['INPUT'] ?? '');
      return {
        steps: [
          step('audit-input', async () => {
            await access(input).catch(() => {
              throw new MissingInputError(\`input \${input} does not exist\`);
            });
            return \`input \${input}\`;
          }),
        ],
        launchPlan: () => ({ argv: ['cat', input], cwd: context.workDir, env: {} }),
        verify: async (result) => (result ? exitStatusFindings(result, 'cat') : []),
      };
    },
  },
};

void runEnvoy(echoEnvoy).then((code) => process.exit(code));
`;

describe('libraries released to a registry and used outside the repository (Verdaccio 6.8.0)', () => {
  let scratch = '';
  let repo = '';
  let registry: Registry | undefined;
  const reg = (): Registry => {
    if (!registry) throw new Error('the registry did not start');
    return registry;
  };

  beforeAll(async () => {
    scratch = tempDir('envoys-registry-');
    mkdirSync(join(scratch, 'registry'));
    registry = await startRegistry(join(scratch, 'registry'));
    repo = join(scratch, 'envoys');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', workspaceRoot, repo]);
    git(repo, 'checkout', '--quiet', '-B', 'main');
    // The same lockfile as this workspace: its installed packages serve the clone.
    symlinkSync(join(workspaceRoot, 'node_modules'), join(repo, 'node_modules'), 'dir');
    appendFileSync(join(repo, '.git/info/exclude'), 'node_modules\n');
  }, 120_000);

  afterAll(() => {
    registry?.process.kill('SIGTERM');
    if (scratch && !process.env['KEEP_REGISTRY_SCRATCH']) rmSync(scratch, { recursive: true, force: true });
  });

  it('the release versions, tags and publishes the four libraries, with their dependencies on each other', () => {
    const before = Object.fromEntries(LIBRARIES.map((lib) => [lib, versionOf(repo, lib)]));
    const output = sh(process.execPath, ['tools/release/release.mjs', '--groups', 'libraries', '--publish', '--registry', reg().url], repo, { ENVOYS_NPM_TOKEN: reg().token });
    for (const lib of LIBRARIES) {
      const version = versionOf(repo, lib);
      expect([lib, version]).not.toEqual([lib, before[lib]]);
      expect(git(repo, 'tag', '--list', `${lib}@${version}`)).toBe(`${lib}@${version}`);
      expect(readFileSync(join(repo, 'libs', lib, 'CHANGELOG.md'), 'utf8')).toContain(version);
      expect(published(reg(), `@envoys/${lib}`)).toEqual([version]);
      expect(output).toContain(`@envoys/${lib}@${version} published to ${reg().url}`);
    }
    // ppr-audit's package asks for the envoy-core that was released with it.
    const view = JSON.parse(sh('npm', ['view', '@envoys/ppr-audit', 'dependencies', '--json', '--registry', reg().url], repo)) as Record<string, string>;
    expect(view['@envoys/envoy-core']).toBe(`^${versionOf(repo, 'envoy-core')}`);
    // The envoys are not part of this release and not published to npm.
    expect(published(reg(), '@envoys/casa-envoy')).toEqual([]);
  }, 15 * 60_000);

  it('another team installs @envoys/envoy-core from the registry, type-checks and bundles an envoy with esbuild, and runs it', () => {
    const project = join(scratch, 'site-envoy');
    mkdirSync(join(project, 'src'), { recursive: true });
    const coreVersion = versionOf(repo, 'envoy-core');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'site-envoy', version: '1.0.0', private: true, dependencies: { '@envoys/envoy-core': `^${coreVersion}` } }, null, 2));
    // Only the @envoys scope comes from the team's registry; everything else from the normal registry.
    writeFileSync(join(project, '.npmrc'), `@envoys:registry=${reg().url}\n`);
    writeFileSync(join(project, 'src/main.ts'), ECHO_ENVOY);
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/@envoys/envoy-core/package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(coreVersion);
    // The package is the registry's (its integrity), and amqplib (its dependency) came from the normal registry: this one has
    // no uplinks and does not know it.
    const locked = (JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { integrity?: string }> }).packages;
    const integrity = sh('npm', ['view', `@envoys/envoy-core@${coreVersion}`, 'dist.integrity', '--registry', reg().url], project).trim();
    expect(locked['node_modules/@envoys/envoy-core']?.integrity).toBe(integrity);
    expect(locked['node_modules/amqplib']).toBeDefined();
    expect(spawnSync('npm', ['view', 'amqplib', 'version', '--registry', reg().url], { encoding: 'utf8' }).status).not.toBe(0);

    // The package's types, through its exports, as a team's own build would check them.
    sh(bin('tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2023', '--types', 'node', '--typeRoots', join(workspaceRoot, 'node_modules/@types'), 'src/main.ts'], project);
    sh(bin('esbuild'), ['src/main.ts', '--bundle', '--platform=node', '--target=node20', '--format=cjs', '--outfile=dist/echo-envoy.js', '--log-level=error'], project);

    const work = join(project, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'hello.txt'), 'hello from another team\n');
    const envoy = join(project, 'dist/echo-envoy.js');
    const help = sh(process.execPath, [envoy, '--help'], work);
    expect(help).toContain('--print INPUT');
    expect(sh(process.execPath, [envoy, '--version'], work).trim()).toBe('echo-envoy 3.1.4');

    sh(process.execPath, [envoy, '--print', 'hello.txt'], work);
    expect(readFileSync(join(work, 'echo-envoy.print.out.log'), 'utf8')).toContain('hello from another team');
    const report = JSON.parse(readFileSync(join(work, 'echo-envoy-report.json'), 'utf8')) as { version: string; exitCode: number; launch: { argv: string[] } };
    expect([report.version, report.exitCode, report.launch.argv]).toEqual(['3.1.4', 0, ['cat', join(work, 'hello.txt')]]);

    const missing = sh(process.execPath, [envoy, '--print', 'absent.txt'], work, {}, 66);
    expect(missing).toContain('absent.txt');
  }, 5 * 60_000);

  it('a breaking change of the public API fails the build until the API report is updated, then releases a major version', () => {
    const before = versionOf(repo, 'envoy-core');
    const index = join(repo, 'libs/envoy-core/src/index.ts');
    writeFileSync(index, readFileSync(index, 'utf8').replace('export { createLogger, useColour, type Logger', 'export { createLogger, type Logger'));
    const refused = sh(process.execPath, ['tools/release/build-library.mjs', 'envoy-core'], repo, {}, 1);
    expect(refused).toContain('-export function useColour(');
    expect(refused).toContain('the public API differs from libs/envoy-core/api/envoy-core.api.md');

    sh('npx', ['nx', 'run', 'envoy-core:api-report', '--output-style=static'], repo);
    expect(readFileSync(join(repo, 'libs/envoy-core/api/envoy-core.api.md'), 'utf8')).not.toContain('useColour');
    git(repo, 'commit', '--quiet', '-am', 'feat(envoy-core)!: useColour is internal\n\nBREAKING CHANGE: useColour is no longer exported.');

    const pprBefore = versionOf(repo, 'ppr-audit');
    sh(process.execPath, ['tools/release/release.mjs', '--groups', 'libraries', '--publish', '--registry', reg().url], repo, { ENVOYS_NPM_TOKEN: reg().token });
    const after = versionOf(repo, 'envoy-core');
    const [major] = before.split('.').map(Number);
    expect(after).toBe(`${(major ?? 0) + 1}.0.0`);
    expect(published(reg(), '@envoys/envoy-core')).toEqual([before, after]);
    expect(readFileSync(join(repo, 'libs/envoy-core/CHANGELOG.md'), 'utf8')).toMatch(/Breaking Changes[\s\S]*useColour is no longer exported/);
    expect(existsSync(join(repo, 'dist/libs/envoy-core/index.cjs'))).toBe(true);
    // The libraries that import envoy-core move to the new major with a patch release of their own.
    const pprAfter = versionOf(repo, 'ppr-audit');
    expect(published(reg(), '@envoys/ppr-audit')).toEqual([pprBefore, pprAfter]);
    const view = JSON.parse(sh('npm', ['view', `@envoys/ppr-audit@${pprAfter}`, 'dependencies', '--json', '--registry', reg().url], repo)) as Record<string, string>;
    expect(view['@envoys/envoy-core']).toBe(`^${after}`);
  }, 10 * 60_000);
});
