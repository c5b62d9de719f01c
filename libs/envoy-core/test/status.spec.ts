import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { readJson, run, start, waitFor } from '@envoys/testing';
import { Redactor } from '../src';
import { ProgressLine } from '../src/status/progress-line';
import { StatusFile } from '../src/status/status-file';
import { child, testEnvoy } from './support/test-envoy-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the status file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envoys-status-'));
  });

  it('coalesces a storm of changes into a few atomic writes, and shows the latest facts', async () => {
    const path = join(dir, 'x-status.json');
    const status = new StatusFile({ state: 'running', startedAt: new Date().toISOString() }, { path, redactor: new Redactor(), minIntervalMs: 200, heartbeatMs: 60_000 });
    status.start();
    for (let i = 1; i <= 100_000; i++) status.update({ lines: i });
    await sleep(700);
    const written = status.writes;
    // One write at once, then at most one per 200 ms: never one per change.
    expect(written).toBeGreaterThanOrEqual(1);
    expect(written).toBeLessThanOrEqual(5);
    expect(readJson(path)).toMatchObject({ state: 'running', lines: 100_000 });
    await status.close({ state: 'succeeded' });
    expect(readJson(path)).toMatchObject({ state: 'succeeded', lines: 100_000 });
    expect(readdirSync(dir)).toEqual(['x-status.json']);
  });

  it('is rewritten by the heartbeat with a new updatedAt and live facts, and never holds a secret', async () => {
    const path = join(dir, 'x-status.json');
    const redactor = new Redactor();
    redactor.add('secret-token-123');
    const status = new StatusFile({ startedAt: '2026-01-01T00:00:00.000Z' }, { path, redactor, minIntervalMs: 50, heartbeatMs: 150 });
    let ticks = 0;
    status.setLive('tick', () => ++ticks);
    status.update({ url: 'https://viewer/?token=secret-token-123' });
    status.start();
    await waitFor(() => status.writes >= 3, 5000, 'three writes');
    const first = readJson<{ updatedAt: string; tick: number }>(path);
    await waitFor(() => readJson<{ updatedAt: string }>(path).updatedAt !== first.updatedAt, 5000, 'a heartbeat');
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('secret-token-123');
    expect(JSON.parse(text)).toMatchObject({ url: 'https://viewer/?token=[REDACTED]' });
    expect(Object.keys(JSON.parse(text)).slice(0, 2)).toEqual(['startedAt', 'updatedAt']);
    await status.close();
  });

  it('reports the first failed write only and goes on', async () => {
    const errors: unknown[] = [];
    const status = new StatusFile({}, { path: join(dir, 'missing', 'x-status.json'), redactor: new Redactor(), minIntervalMs: 10, heartbeatMs: 30, onError: (e) => errors.push(e) });
    status.start();
    await sleep(200);
    await status.close();
    expect(errors).toHaveLength(1);
  });
});

describe('the progress line', () => {
  function terminal() {
    const writes: string[] = [];
    return { writes, terminal: { isTTY: true, columns: 40, write: (text: string) => writes.push(text) > 0 } };
  }

  it('stays below the output: cleared before each write, drawn again after a whole line, cut to the width', async () => {
    const { writes, terminal: tty } = terminal();
    let text = 'stage 1/8 hifv_importdata';
    const line = new ProgressLine(tty, () => text);
    line.start();
    const out: string[] = [];
    const stream = line.wrap(new Writable({ write: (chunk: Buffer, _e, done) => (out.push(chunk.toString()), done()) }));
    await new Promise<void>((resolve) => stream.write('partial ', () => resolve()));
    await new Promise<void>((resolve) => stream.write('line\n', () => resolve()));
    text = 'stage 2/8 a-task-with-a-very-long-name-that-does-not-fit';
    line.draw();
    line.stop();
    expect(out).toEqual(['partial ', 'line\n']);
    expect(writes).toEqual([
      '\r\u001b[2Kstage 1/8 hifv_importdata',
      '\r\u001b[2K', // cleared before 'partial '
      // not drawn after a partial line; drawn after the newline
      '\r\u001b[2Kstage 1/8 hifv_importdata',
      '\r\u001b[2Kstage 2/8 a-task-with-a-very-long-name…', // 39 columns: one less than the terminal's 40
      '\r\u001b[2K',
    ]);
  });

  it('is only for a terminal that can take it', () => {
    const render = () => 'x';
    expect(ProgressLine.forTerminal({ isTTY: false, write: () => true }, {}, render)).toBeUndefined();
    expect(ProgressLine.forTerminal({ isTTY: true, write: () => true }, { TERM: 'dumb' }, render)).toBeUndefined();
    expect(ProgressLine.forTerminal({ isTTY: true, write: () => true }, { TERM: 'xterm' }, render)).toBeInstanceOf(ProgressLine);
  });
});

interface Status {
  envoy: string;
  mode: string;
  runId: string;
  state: string;
  step: string | null;
  startedAt: string;
  updatedAt: string;
  launch?: { state: string; pid: number; exitCode?: number };
  exitCode?: number;
  report?: string;
  page?: string;
}

// The status file of a real envoy process (CONTRACT 3.6: replaced atomically; the report's directory).
describe('an envoy keeps <envoy>-status.json', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envoys-status-run-'));
  });

  it('running while the external system runs, then the outcome with the report and page', async () => {
    const script = join(dir, 'wait.js');
    writeFileSync(script, "require('fs').writeFileSync(process.argv[2] + '/started', ''); setTimeout(() => {}, 2500);\n");
    const envoy = start(testEnvoy(), ['--run', script, '--arg', dir], { cwd: dir, env: {} });
    const path = join(dir, 'test-envoy-status.json');
    await waitFor(() => {
      try {
        return readJson<Status>(path).state === 'running';
      } catch {
        return false;
      }
    }, 20_000, 'state running');
    const running = readJson<Status>(path);
    expect(running).toMatchObject({ envoy: 'test-envoy', mode: 'run', step: 'launch', launch: { state: 'running', pid: expect.any(Number) } });
    const finished = await envoy.finished;
    expect(finished.code).toBe(0);
    const last = readJson<Status>(path);
    const report = readJson<{ runId: string; startedAt: string }>(join(dir, 'test-envoy-report.json'));
    expect(last).toMatchObject({
      runId: report.runId,
      startedAt: report.startedAt,
      state: 'succeeded',
      exitCode: 0,
      launch: { state: 'exited', exitCode: 0 },
      report: join(dir, 'test-envoy-report.json'),
      page: join(dir, 'test-envoy-report.html'),
    });
    expect(Date.parse(last.updatedAt)).toBeGreaterThanOrEqual(Date.parse(running.updatedAt));
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('failed in the step that failed; a dry run writes no status and no page', async () => {
    const failed = await run(testEnvoy(), ['--run', child('report-env.js'), '--fail-audit'], { cwd: dir });
    expect(failed.code).toBe(65);
    expect(readJson<Status>(join(dir, 'test-envoy-status.json'))).toMatchObject({ state: 'failed', step: 'audit', exitCode: 65 });
    const other = mkdtempSync(join(tmpdir(), 'envoys-status-dry-'));
    const dry = await run(testEnvoy(), ['--run', child('report-env.js'), '--dry-run'], { cwd: other });
    expect(dry.code).toBe(0);
    expect(readdirSync(other)).toEqual([]);
  });
});
