import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, waitFor } from '@envoys/testing';
import { stopGroup } from '../src/process/group';
import { STOP_POLICY } from '../src/process/stop-policy';
import { watchdogCommand } from '../src/process/watchdog';
import { child } from './support/test-envoy-process';

// The watchdog (a real /bin/sh process) against a real process group, its envoy a process of its own that
// the tests kill; and its stop sequence held to the envoy's own (group.ts stopGroup).

// The process group: records each stop signal it gets; with OBEY=1 it exits on it, else only SIGKILL ends it.
const GROUP_SCRIPT = `
for s in TERM INT HUP; do trap "echo $s >> \\"\\$LOG\\"; [ \\"\\$OBEY\\" = 1 ] && exit 0" $s; done
echo started >> "$LOG"
while :; do sleep 0.05; done
`;

interface Watched {
  readonly envoy: ChildProcess;
  readonly watchdog: number;
  readonly pgid: number;
  /** What the watchdog printed (it shares the envoy's stdout). */
  output(): string;
  /** Settles when the envoy's stdout is closed by all who hold it: the envoy and its watchdog. */
  readonly closed: Promise<void>;
  /** The stop signals the group received, in order. */
  signals(): string[];
}

let dir: string;
const started: Watched[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'envoys-watchdog-'));
});
afterEach(() => {
  for (const { envoy, watchdog, pgid } of started.splice(0)) {
    // Never 0 or -0: kill(2) would take that for this process's own group.
    for (const pid of [envoy.pid ?? 0, watchdog, -pgid].filter((pid) => pid !== 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function groupLog(name: string): () => string[] {
  const file = join(dir, name);
  return () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line !== '' && line !== 'started') : []);
}

/** A process group started by itself (for stopGroup), once its traps are set. */
async function startGroup(obey: boolean): Promise<{ pgid: number; signals: () => string[] }> {
  const log = join(dir, 'alone.log');
  const group = spawn('/bin/sh', ['-c', GROUP_SCRIPT], { detached: true, stdio: 'ignore', env: { PATH: process.env['PATH'], LOG: log, OBEY: obey ? '1' : '0' } });
  started.push({ envoy: group, watchdog: 0, pgid: group.pid ?? 0, output: () => '', closed: Promise.resolve(), signals: () => [] });
  await waitFor(() => existsSync(log), 10000, 'the group to start');
  return { pgid: group.pid ?? 0, signals: groupLog('alone.log') };
}

/** An envoy with its watchdog, watching a group it started; resolves once the group's traps are set. */
async function startWatched(options: { obey: boolean; signal?: NodeJS.Signals; graceMs: number }): Promise<Watched> {
  const log = join(dir, 'group.log');
  const envoy = spawn(process.execPath, [child('watchdog-envoy.js')], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  envoy.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<void>((resolve) => envoy.stdout?.once('close', () => resolve()));
  const spec = {
    watchdog: watchdogCommand(child('watchdog-envoy.js'), 'test-envoy', 'text', envoy.pid ?? 0),
    group: { file: '/bin/sh', args: ['-c', GROUP_SCRIPT], env: { PATH: process.env['PATH'], LOG: log, OBEY: options.obey ? '1' : '0' } },
    signal: options.signal ?? 'SIGTERM',
    graceMs: options.graceMs,
    what: 'casa',
  };
  envoy.stdin?.write(`${JSON.stringify(spec)}\n`);
  await waitFor(() => /^ready \d+ \d+$/m.test(output) && existsSync(log), 10000, 'the envoy, its watchdog and the group to start');
  const [, watchdog, pgid] = (/^ready (\d+) (\d+)$/m.exec(output) ?? []).map(Number);
  output = output.replace(/^ready .*\n/m, '');
  const watched: Watched = { envoy, watchdog: watchdog ?? 0, pgid: pgid ?? 0, output: () => output, closed, signals: groupLog('group.log') };
  started.push(watched);
  await waitFor(() => ignoresStopSignals(watched.watchdog), 5000, 'the watchdog to ignore the stop signals');
  return watched;
}

// Its first command ignores SIGHUP, SIGINT and SIGTERM (bits 1, 2 and 15 of SigIgn).
function ignoresStopSignals(pid: number): boolean {
  const line = readFileSync(`/proc/${pid}/status`, 'latin1').split('\n').find((text) => text.startsWith('SigIgn:')) ?? '';
  const mask = BigInt(`0x${line.slice(7).trim() || '0'}`);
  return [1n, 2n, 15n].every((bit) => (mask & (1n << (bit - 1n))) !== 0n);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  return alive(pgid);
}

/** Kills the envoy with SIGKILL; resolves, once the watchdog has exited, with how long the group then lived. */
async function killEnvoy(watched: Watched, waitMs = 20000): Promise<{ ms: number }> {
  const killedAt = Date.now();
  watched.envoy.kill('SIGKILL');
  await waitFor(() => !groupAlive(watched.pgid), waitMs, 'the group to be stopped');
  const ms = Date.now() - killedAt;
  await watched.closed;
  await waitFor(() => !alive(watched.watchdog), 5000, 'the watchdog to exit');
  return { ms };
}

describe('the watchdog', () => {
  it('does nothing while the envoy lives', async () => {
    const watched = await startWatched({ obey: true, graceMs: 200 });
    await sleep(1500);
    expect(groupAlive(watched.pgid)).toBe(true);
    expect(alive(watched.watchdog)).toBe(true);
    expect(watched.signals()).toEqual([]);
    expect(watched.output()).toBe('');
  });

  it('when the envoy dies by SIGKILL, stops a group that obeys with the stop signal at once', async () => {
    const watched = await startWatched({ obey: true, graceMs: 5000 });
    const { ms } = await killEnvoy(watched);
    expect(watched.signals()).toEqual(['TERM']);
    expect(ms).toBeLessThan(5000);
    expect(watched.output()).toMatch(
      new RegExp(`WARN +\\[watchdog\\] test-envoy \\(pid ${watched.envoy.pid}\\) died while casa \\(process group ${watched.pgid}\\) was running: stopping the group with SIGTERM, SIGKILL after 5 s\\n`),
    );
    expect(watched.output()).toMatch(new RegExp(`\\[watchdog\\] process group ${watched.pgid} stopped\\n$`));
  });

  it('gives a group that ignores the stop signal SIGKILL after the grace period, then exits', async () => {
    const graceMs = 1200;
    const watched = await startWatched({ obey: false, graceMs });
    const { ms } = await killEnvoy(watched);
    expect(watched.signals()).toEqual(['TERM']);
    expect(ms).toBeGreaterThanOrEqual(graceMs);
    expect(watched.output()).toContain('SIGKILL after 1.2 s');
    expect(watched.output()).toMatch(/process group \d+ stopped \(it outlived the grace period and was killed with SIGKILL\)\n$/);
  });

  it('gives the stop signal it was told (SIGINT), and SIGTERM for one that is not a stop signal', async () => {
    const told = await startWatched({ obey: true, signal: 'SIGINT', graceMs: 5000 });
    await killEnvoy(told);
    expect(told.signals()).toEqual(['INT']);
    rmSync(join(dir, 'group.log'));
    const other = await startWatched({ obey: true, signal: 'SIGUSR1', graceMs: 5000 });
    await killEnvoy(other);
    expect(other.signals()).toEqual(['TERM']);
  });

  it('exits without a signal when the group is gone: unwatched, or ended before the envoy died', async () => {
    const unwatched = await startWatched({ obey: true, graceMs: 200 });
    unwatched.envoy.stdin?.write(`unwatch ${unwatched.pgid}\n`);
    await sleep(300); // the line reaches the watchdog before the pipe closes
    unwatched.envoy.kill('SIGKILL');
    await unwatched.closed;
    await waitFor(() => !alive(unwatched.watchdog), 5000, 'the watchdog to exit');
    expect(groupAlive(unwatched.pgid)).toBe(true); // an unwatched group is none of its business
    expect(unwatched.signals()).toEqual([]);
    expect(unwatched.output()).toBe('');
    process.kill(-unwatched.pgid, 'SIGKILL');

    rmSync(join(dir, 'group.log'));
    const ended = await startWatched({ obey: true, graceMs: 200 });
    process.kill(-ended.pgid, 'SIGKILL');
    await waitFor(() => !groupAlive(ended.pgid), 5000, 'the group to end');
    await sleep(300);
    expect(alive(ended.watchdog)).toBe(true); // the envoy still lives
    ended.envoy.kill('SIGKILL');
    await ended.closed;
    await waitFor(() => !alive(ended.watchdog), 5000, 'the watchdog to exit');
    expect(ended.output()).toBe('');
  });

  it('survives its parent and the stop signals sent to the parent\'s process group and to itself', async () => {
    const watched = await startWatched({ obey: true, graceMs: 5000 });
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.kill(watched.watchdog, signal);
    process.kill(-(watched.envoy.pid ?? 0), 'SIGTERM'); // the envoy's process group: the envoy dies, not its watchdog
    await waitFor(() => !groupAlive(watched.pgid), 10000, 'the group to be stopped');
    expect(watched.signals()).toEqual(['TERM']);
    await watched.closed;
    expect(watched.output()).toMatch(/process group \d+ stopped\n$/);
  });
});

describe('the watchdog and the envoy apply the same stop sequence (STOP_POLICY)', () => {
  it.each([
    ['obeys', true],
    ['ignores the stop signal', false],
  ])('a group that %s', async (_, obey) => {
    const graceMs = 800;
    const alone = await startGroup(obey);
    const stoppedAt = Date.now();
    const killed = await stopGroup(alone.pgid, STOP_POLICY.defaultSignal, graceMs);
    const envoyMs = Date.now() - stoppedAt;
    const envoySignals = alone.signals();

    const watched = await startWatched({ obey, graceMs });
    const { ms: watchdogMs } = await killEnvoy(watched);
    const watchdogKilled = watched.output().includes(`killed with ${STOP_POLICY.killSignal}`);

    expect({ signals: watched.signals(), killed: watchdogKilled }).toEqual({ signals: envoySignals, killed });
    expect(envoySignals).toEqual(['TERM']);
    expect(killed).toBe(!obey);
    // Both wait out the grace period before SIGKILL, and neither waits much longer than a few polls after it.
    for (const ms of [envoyMs, watchdogMs]) {
      if (obey) expect(ms).toBeLessThan(graceMs);
      else expect(ms).toBeGreaterThanOrEqual(graceMs);
    }
  });
});
