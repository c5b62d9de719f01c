import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm test` on a fresh machine installs the Debian packages its suites need (as root with apt-get), or stops at
// once with one line saying what to run. The list is one file, which .ci/run uses too.
const SCRIPT = join(__dirname, '../scripts/system-packages.mjs');
const LIST = join(__dirname, '../scripts/system-packages.txt');

function packagesOf(suite: string): string[] {
  const lines = readFileSync(LIST, 'utf8').split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
  return [...new Set(lines.map((line) => line.split(/\s+/)).filter((fields) => fields[2] === suite).map((fields) => fields[1]))];
}

describe('the system packages of the test suites', () => {
  it('are listed once: npm test needs Redis and procps; the Slurm suite needs Slurm and munge', () => {
    expect(packagesOf('test')).toEqual(expect.arrayContaining(['redis-server', 'procps']));
    expect(packagesOf('test')).not.toContain('slurm-wlm');
    expect(packagesOf('test:slurm')).toEqual(['slurm-wlm', 'munge']);
    expect(readFileSync(join(__dirname, '../../.ci/run'), 'utf8')).toMatch(/node tools\/scripts\/system-packages\.mjs test test:slurm/);
    expect(readFileSync(join(__dirname, '../scripts/test-all.mjs'), 'utf8')).toMatch(/ensurePackages\(suites\)/);
  });

  it('list the benchmarks\' tools as a suite of their own, which CI does not install', () => {
    expect(packagesOf('bench')).toEqual(['time', 'hyperfine', 'gnuplot-nox']);
    expect(readFileSync(join(__dirname, '../../.ci/run'), 'utf8')).not.toMatch(/system-packages\.mjs[^\n]*\bbench\b/);
    expect(readFileSync(join(__dirname, '../bench/lib.sh'), 'utf8')).toMatch(/system-packages\.mjs bench/);
  });

  it('when all are there, nothing is printed and nothing installed', () => {
    const result = spawnSync(process.execPath, [SCRIPT, 'test'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect([result.status, result.stdout, result.stderr]).toEqual([0, '', '']);
  });

  it('a user who cannot install gets one line saying what to run, at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'system-packages-'));
    chmodSync(dir, 0o755);
    const list = join(dir, 'list.txt');
    // The user must be able to read the script: the checkout itself may be in a directory only root can enter.
    const script = join(dir, 'system-packages.mjs');
    copyFileSync(SCRIPT, script);
    chmodSync(script, 0o644);
    writeFileSync(list, 'redis-server redis-server test stop\nenvoys-no-such-command envoys-missing-package test -\nslurmd envoys-slurm-only test:slurm -\n');
    const result = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, script, 'test'], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], ENVOYS_SYSTEM_PACKAGES: list },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'the tests need the Debian packages envoys-missing-package: run `sudo apt-get update && sudo apt-get install -y --no-install-recommends envoys-missing-package` (or install them with your system\'s package manager), then run the tests again\n',
    );
  });
});
