import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, readJson, readPids, run, start, waitFor } from '@envoys/testing';
import { WATCHDOG_ARGUMENT } from '../src';
import { child, testEnvoy } from './support/test-envoy-process';

// Supervision through a real envoy process and real children (CONTRACT 3.5).
describe('supervision of the external system', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envoys-supervise-'));
  });

  it('SIGTERM to the envoy reaches the grandchild; the envoy exits 143 after the group is gone', async () => {
    const pidFile = join(dir, 'pids.json');
    const envoy = start(testEnvoy(), ['--run', child('family.js')], { cwd: dir, env: { PID_FILE: pidFile, ENVOY_GRACE_SECONDS: '10' } });
    await waitFor(() => existsSync(pidFile) && envoy.output().includes('family started'), 15000, 'the family to start');
    const pids = readPids(pidFile);
    expect(alive(pids.child)).toBe(true);
    expect(alive(pids.grandchild)).toBe(true);
    envoy.process.kill('SIGTERM');
    const finished = await envoy.finished;
    expect(finished.code).toBe(143);
    expect(alive(pids.child)).toBe(false);
    expect(alive(pids.grandchild)).toBe(false);
    expect(finished.ms).toBeLessThan(10000); // well inside the grace period: the children obeyed SIGTERM
    const report = readJson<{ status: string; exitCode: number; signal: string; launch: { signal: string | null } }>(join(dir, 'test-envoy-report.json'));
    expect(report).toMatchObject({ status: 'failed', exitCode: 143, signal: 'SIGTERM' });
  });

  it('a group that ignores SIGTERM is killed after the grace period, and only then does the envoy exit 143', async () => {
    const pidFile = join(dir, 'pids.json');
    const envoy = start(testEnvoy(), ['--run', child('family.js')], {
      cwd: dir,
      env: { PID_FILE: pidFile, STUBBORN: '1', ENVOY_GRACE_SECONDS: '1.5' },
    });
    await waitFor(() => existsSync(pidFile) && envoy.output().includes('family started'), 15000, 'the family to start');
    const pids = readPids(pidFile);
    const sentAt = Date.now();
    envoy.process.kill('SIGTERM');
    let exitedAt = 0;
    envoy.process.once('exit', () => {
      exitedAt = Date.now();
      // At the moment the envoy exits, nothing of the group may be left.
      expect(alive(pids.child)).toBe(false);
      expect(alive(pids.grandchild)).toBe(false);
    });
    const finished = await envoy.finished;
    expect(finished.code).toBe(143);
    expect(exitedAt - sentAt).toBeGreaterThanOrEqual(1400);
    expect(finished.stdout).toContain('ignoring SIGTERM');
    expect(finished.stdout).toMatch(/killed with SIGKILL/);
    expect(alive(pids.child)).toBe(false);
    expect(alive(pids.grandchild)).toBe(false);
  });

  it('SIGINT and SIGHUP are passed on too and give 130 and 129', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGHUP', 129]] as const) {
      const pidFile = join(dir, `${signal}.json`);
      const envoy = start(testEnvoy(), ['--run', child('family.js')], { cwd: dir, env: { PID_FILE: pidFile } });
      await waitFor(() => existsSync(pidFile) && envoy.output().includes('family started'), 15000, 'the family to start');
      const pids = readPids(pidFile);
      envoy.process.kill(signal);
      expect((await envoy.finished).code).toBe(code);
      expect(alive(pids.child)).toBe(false);
      expect(alive(pids.grandchild)).toBe(false);
    }
  });

  it('the time limit stops the group and gives exit 124', async () => {
    const pidFile = join(dir, 'pids.json');
    const finished = await run(testEnvoy(), ['--run', child('family.js')], {
      cwd: dir,
      // 3 s: the child must have started and written its PIDs before the limit, also on a busy machine.
      env: { PID_FILE: pidFile, TEST_TIMEOUT_MINUTES: '0.05' },
    });
    expect(finished.code).toBe(124);
    expect(finished.stderr.split('\n').find((line) => line.startsWith('test-envoy: '))).toMatch(/time limit/);
    const pids = readPids(pidFile);
    expect(alive(pids.child)).toBe(false);
    expect(alive(pids.grandchild)).toBe(false);
    const report = readJson<{ exitCode: number; launch: { timedOut: boolean } }>(join(dir, 'test-envoy-report.json'));
    expect(report.exitCode).toBe(124);
    expect(report.launch.timedOut).toBe(true);
  });

  it('processes left behind by a child that exited are stopped too', async () => {
    const pidFile = join(dir, 'pids.json');
    const finished = await run(testEnvoy(), ['--run', child('leaves-daemon.js')], { cwd: dir, env: { PID_FILE: pidFile } });
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(/left processes behind/);
    expect(alive(readPids(pidFile).grandchild)).toBe(false);
  });

  it('streams output through and keeps it in <envoy>.<mode>.out.log; the env is what the launcher set', async () => {
    const finished = await run(testEnvoy(), ['--run', child('report-env.js'), '--arg', 'hello world'], {
      cwd: dir,
      env: { REMOVE_ME: 'should-vanish', KEEP_ME: 'kept' },
    });
    expect(finished.code).toBe(0);
    const line = finished.stdout.split('\n').find((text) => text.startsWith('CHILD ')) ?? '';
    expect(JSON.parse(line.slice(6))).toEqual({ argv: ['hello world'], ENVOY_SET: 'set-by-envoy', REMOVE_ME: null, KEEP_ME: 'kept' });
    expect(finished.stderr).toContain('child stderr line');
    const log = readFileSync(join(dir, 'test-envoy.run.out.log'), 'utf8');
    expect(log).toContain(line);
    expect(log).toContain('child stderr line');
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('an argument like $(touch pwned) reaches the child literally and creates nothing', async () => {
    const record = join(dir, 'record.json');
    const finished = await run(testEnvoy(), ['--run', child('report-env.js'), '--arg', '$(touch pwned); touch pwned2 `touch pwned3`'], {
      cwd: dir,
      env: { RECORD_FILE: record },
    });
    expect(finished.code).toBe(0);
    expect(readJson<{ argv: string[] }>(record).argv).toEqual(['$(touch pwned); touch pwned2 `touch pwned3`']);
    for (const name of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(join(dir, name))).toBe(false);
  });

  it('a non-zero exit of the child is a failure (70); a missing executable is unavailable (69)', async () => {
    const failed = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { EXIT_WITH: '3' } });
    expect(failed.code).toBe(70);
    // The child's own stderr streams through first; the envoy's one-line reason is its own first line.
    expect(failed.stderr.split('\n').find((line) => line.startsWith('test-envoy: '))).toMatch(/exited with status 3/);
  });

  it('secrets printed by the child are redacted from the stream, the output log and the report', async () => {
    const secret = 'hunter2-very-secret';
    const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { TEST_PASSWORD: secret } });
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('the secret is [REDACTED]');
    for (const text of [finished.stdout, finished.stderr, readFileSync(join(dir, 'test-envoy.run.out.log'), 'utf8'), readFileSync(join(dir, 'test-envoy-report.json'), 'utf8')]) {
      expect(text).not.toContain(secret);
    }
  });

  describe('when the envoy itself dies (SIGKILL), its watchdog stops the group', () => {
    const watchdogs = (): number[] =>
      readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((entry) => {
          try {
            const argv = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0');
            return argv.includes(WATCHDOG_ARGUMENT) && argv.includes(testEnvoy());
          } catch {
            return false;
          }
        })
        .map(Number);

    const ignores = (pid: number, signals: readonly number[]): boolean => {
      const line = readFileSync(`/proc/${pid}/status`, 'latin1').split('\n').find((text) => text.startsWith('SigIgn:')) ?? '';
      const mask = BigInt(`0x${line.slice(7).trim() || '0'}`);
      return signals.every((signal) => ((mask >> BigInt(signal - 1)) & 1n) === 1n);
    };

    it('a group that obeys SIGTERM is gone at once, and the watchdog says so on the job output', async () => {
      const pidFile = join(dir, 'pids.json');
      const envoy = start(testEnvoy(), ['--run', child('family.js')], { cwd: dir, env: { PID_FILE: pidFile, ENVOY_GRACE_SECONDS: '20' } });
      await waitFor(() => existsSync(pidFile) && envoy.output().includes('family started'), 15000, 'the family to start');
      const pids = readPids(pidFile);
      const killedAt = Date.now();
      envoy.process.kill('SIGKILL');
      await waitFor(() => !alive(pids.child) && !alive(pids.grandchild), 15000, 'the group to be stopped by the watchdog');
      expect(Date.now() - killedAt).toBeLessThan(10000); // SIGTERM did it: no grace period was waited out
      const finished = await envoy.finished; // the watchdog shares the envoy's stdout: closed once it is done
      expect(finished.signal).toBe('SIGKILL');
      expect(finished.stdout).toMatch(/WARN +\[watchdog\] test-envoy \(pid \d+\) died while node \(process group \d+\) was running: stopping the group with SIGTERM/);
      expect(finished.stdout).toMatch(/\[watchdog\] process group \d+ stopped$/m);
      await waitFor(() => watchdogs().length === 0, 5000, 'the watchdog to exit');
    });

    it('a group that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
      const pidFile = join(dir, 'pids.json');
      const envoy = start(testEnvoy(), ['--run', child('family.js')], { cwd: dir, env: { PID_FILE: pidFile, STUBBORN: '1', ENVOY_GRACE_SECONDS: '1.5' } });
      await waitFor(() => existsSync(pidFile) && envoy.output().includes('family started'), 15000, 'the family to start');
      const pids = readPids(pidFile);
      const killedAt = Date.now();
      envoy.process.kill('SIGKILL');
      await waitFor(() => !alive(pids.child) && !alive(pids.grandchild), 20000, 'the group to be killed by the watchdog');
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1400);
      const finished = await envoy.finished;
      expect(finished.stdout).toMatch(new RegExp(`test-envoy \\(pid ${envoy.process.pid}\\) died`));
      expect(finished.stdout).toMatch(/outlived the grace period and was killed with SIGKILL/);
    });

    it('with --log-format json its lines are JSON log records; it does not inherit the envoy environment', async () => {
      const pidFile = join(dir, 'pids.json');
      const secret = 'watchdog-must-not-hold-this';
      const envoy = start(testEnvoy(), ['--run', child('family.js'), '--log-format', 'json'], {
        cwd: dir,
        env: { PID_FILE: pidFile, ENVOY_GRACE_SECONDS: '20', TEST_PASSWORD: secret },
      });
      await waitFor(() => existsSync(pidFile) && envoy.output().includes('family started'), 15000, 'the family to start');
      const [watchdog] = watchdogs();
      expect(watchdog).toBeDefined();
      const environment = readFileSync(`/proc/${watchdog}/environ`, 'latin1');
      expect(environment).not.toContain(secret);
      expect(environment).not.toContain('ENVOY_GRACE_SECONDS');
      const pids = readPids(pidFile);
      envoy.process.kill('SIGKILL');
      await waitFor(() => !alive(pids.child) && !alive(pids.grandchild), 15000, 'the group to be stopped by the watchdog');
      const finished = await envoy.finished;
      const records = finished.stdout
        .split('\n')
        .filter((line) => line.includes('"step":"watchdog"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records).toEqual([
        expect.objectContaining({ level: 'warn', envoy: 'test-envoy', step: 'watchdog', message: expect.stringMatching(/^test-envoy \(pid \d+\) died while node \(process group \d+\) was running: stopping the group with SIGTERM, SIGKILL after 20 s$/) }),
        expect.objectContaining({ level: 'warn', step: 'watchdog', message: expect.stringMatching(/^process group \d+ stopped$/) }),
      ]);
      for (const record of records) expect(Number.isNaN(Date.parse(String(record['time'])))).toBe(false);
    });

    it('a run that ends normally leaves no watchdog behind; one killed before its launch stops nothing', async () => {
      const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir });
      expect(finished.code).toBe(0);
      expect(finished.stdout).not.toContain('[watchdog]');
      await waitFor(() => watchdogs().length === 0, 5000, 'the watchdog to exit');

      const envoy = start(testEnvoy(), ['--run', child('report-env.js'), '--slow-setup'], { cwd: dir });
      await waitFor(() => envoy.output().includes('[prepare] starting'), 15000, 'the slow setup step');
      await waitFor(() => watchdogs().length === 1, 5000, 'the watchdog, started before the launch');
      envoy.process.kill('SIGKILL');
      const killed = await envoy.finished;
      expect(killed.stdout).not.toContain('[watchdog]');
      await waitFor(() => watchdogs().length === 0, 5000, 'the watchdog to exit');
    });

    it('the watchdog ignores the stop signals sent to every process of a job', async () => {
      const pidFile = join(dir, 'pids.json');
      const envoy = start(testEnvoy(), ['--run', child('family.js')], { cwd: dir, env: { PID_FILE: pidFile } });
      await waitFor(() => existsSync(pidFile) && envoy.output().includes('family started'), 15000, 'the family to start');
      const [watchdog] = watchdogs();
      expect(watchdog).toBeDefined();
      // Its first command makes it ignore them (a signal before that, in its first millisecond, would end it).
      await waitFor(() => ignores(watchdog as number, [1, 2, 15]), 10000, 'the watchdog to ignore the stop signals');
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.kill(watchdog as number, signal);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(alive(watchdog as number)).toBe(true);
      const pids = readPids(pidFile);
      envoy.process.kill('SIGKILL');
      await waitFor(() => !alive(pids.child) && !alive(pids.grandchild), 15000, 'the group to be stopped by the watchdog');
      await envoy.finished;
    });
  });
});
