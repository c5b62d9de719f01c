import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJson, run, start, waitFor } from '@envoys/testing';
import { child, testEnvoy } from './support/test-envoy-process';

interface Event {
  event: string;
  seq: number;
  runId: string;
}

interface Receiver {
  url: string;
  events: () => Event[];
  close: () => void;
}

/** Python's own http.server as the workflow system: HTTP/1.0 answers without Content-Length, ended by closing. */
async function startClosingReceiver(dir: string): Promise<Receiver> {
  const record = join(dir, 'received.jsonl');
  const server: ChildProcess = spawn('python3', [join(__dirname, 'support', 'closing-receiver.py'), record], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString('utf8').trim())));
  });
  return {
    url: `http://127.0.0.1:${port}/events`,
    events: () => (existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Event) : []),
    close: () => server.kill('SIGKILL'),
  };
}

/** Each run's events, by run, as [seq, event] in the order they arrived. */
function byRun(events: readonly Event[]): Map<string, [number, string][]> {
  const runs = new Map<string, [number, string][]>();
  for (const event of events) runs.set(event.runId, [...(runs.get(event.runId) ?? []), [event.seq, event.event]]);
  return runs;
}

// The receiver a workflow team writes in ten lines of Python ends every answer by closing the connection.
// An envoy that cancelled such an answer instead of reading it left its pooled connection hanging: every
// few events one waited for the pool's keep-alive timeout (4 s), and a run that ended lost the events still
// queued. The attempts here have 1 s (envoys.events.timeoutSeconds): a stuck attempt fails instead of waiting.
describe('lifecycle events to a receiver that closes the connection to end its answer (HTTP/1.0)', () => {
  let receiver: Receiver | undefined;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envoys-events-closing-'));
  });
  afterEach(() => {
    receiver?.close();
    receiver = undefined;
  });

  it('every event of consecutive runs arrives, in order, with no gap; the reports count them all delivered', async () => {
    receiver = await startClosingReceiver(dir);
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const work = mkdtempSync(join(dir, 'run-'));
      const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: work, env: { ENVOY_EVENTS_URL: receiver.url, ENVOY_EVENTS_TIMEOUT_SECONDS: '1' } });
      expect(finished.code).toBe(0);
      const report = readJson<{ runId: string; events: unknown }>(join(work, 'test-envoy-report.json'));
      expect(report.events).toEqual({ delivered: 7, failed: 0, destinations: [{ transport: 'http', endpoint: receiver.url, delivered: 7, failed: 0, errors: [] }] });
      runIds.push(report.runId);
    }
    const runs = byRun(receiver.events());
    expect([...runs.keys()]).toEqual(runIds);
    for (const events of runs.values()) {
      expect(events).toEqual([
        [1, 'started'],
        [2, 'step-finished'],
        [3, 'step-finished'],
        [4, 'launched'],
        [5, 'step-finished'],
        [6, 'step-finished'],
        [7, 'finished'],
      ]);
    }
  });

  it('a run stopped by SIGTERM (2 s left for its queued events) still delivers every event up to finished', async () => {
    receiver = await startClosingReceiver(dir);
    const pidFile = join(dir, 'pids.json');
    const envoy = start(testEnvoy(), ['--run', child('family.js')], { cwd: dir, env: { ENVOY_EVENTS_URL: receiver.url, ENVOY_EVENTS_TIMEOUT_SECONDS: '1', PID_FILE: pidFile, ENVOY_GRACE_SECONDS: '10' } });
    await waitFor(() => existsSync(pidFile) && envoy.output().includes('family started'), 15000, 'the family to start');
    envoy.process.kill('SIGTERM');
    const finished = await envoy.finished;
    expect(finished.code).toBe(143);
    const report = readJson<{ runId: string; events: { delivered: number; failed: number } }>(join(dir, 'test-envoy-report.json'));
    const events = byRun(receiver.events()).get(report.runId) ?? [];
    expect(events.map(([seq]) => seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.at(-1)?.[1]).toBe('finished');
    expect(report.events).toMatchObject({ delivered: events.length, failed: 0 });
  });
});
