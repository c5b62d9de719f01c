import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, readJson, run, startHttpReceiver, type HttpReceiver } from '@envoys/testing';
import { child, testEnvoy } from './support/test-envoy-process';

interface Event {
  event: string;
  seq: number;
  runId: string;
  envoy: string;
  mode: string;
  workDirectory: string;
  startedAt: string;
  time: string;
  host: string;
  [fact: string]: unknown;
}

const SECRET = 'pa55-word-of-the-test';

// Lifecycle events for a workflow system, sent by a real envoy process to a real HTTP server.
describe('lifecycle events over HTTP', () => {
  let receiver: HttpReceiver | undefined;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envoys-events-'));
  });
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('arrive in order, numbered 1, 2, 3, ..., each with the run identity; finished carries exit status and findings', async () => {
    receiver = await startHttpReceiver();
    const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { ENVOY_EVENTS_URL: receiver.url, TEST_PASSWORD: SECRET } });
    expect(finished.code).toBe(0);
    const events = receiver.json<Event>();
    expect(events.map((e) => [e.seq, e.event, e['step'] ?? ''])).toEqual([
      [1, 'started', ''],
      [2, 'step-finished', 'audit'],
      [3, 'step-finished', 'prepare'],
      [4, 'launched', ''],
      [5, 'step-finished', 'launch'],
      [6, 'step-finished', 'verify'],
      [7, 'finished', ''],
    ]);
    const report = readJson<{ runId: string; startedAt: string; events: unknown }>(join(dir, 'test-envoy-report.json'));
    for (const event of events) {
      expect(event).toMatchObject({ runId: report.runId, envoy: 'test-envoy', mode: 'run', workDirectory: dir, startedAt: report.startedAt });
      expect(Date.parse(event.time)).not.toBeNaN();
    }
    expect(events[3]).toMatchObject({ pid: expect.any(Number), argv: [process.execPath, child('report-env.js')], cwd: dir });
    expect(events[6]).toMatchObject({ status: 'succeeded', state: 'succeeded', exitCode: 0, findingsCount: 0, report: join(dir, 'test-envoy-report.json'), page: join(dir, 'test-envoy-report.html') });
    expect(receiver.received.every((r) => r.method === 'POST' && r.url === '/events' && r.headers['content-type'] === 'application/json')).toBe(true);
    expect(report.events).toEqual({ delivered: 7, failed: 0, destinations: [{ transport: 'http', endpoint: receiver.url, delivered: 7, failed: 0, errors: [] }] });
    // The child printed the secret; the events carry no secret of the run.
    expect(receiver.received.map((r) => r.body).join('\n')).not.toContain(SECRET);
  });

  it('a failed run: finished has its exit status and the number of findings', async () => {
    receiver = await startHttpReceiver();
    const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { ENVOY_EVENTS_URL: receiver.url, EXIT_WITH: '3' } });
    expect(finished.code).toBe(70);
    const last = receiver.json<Event>().at(-1);
    expect(last).toMatchObject({ event: 'finished', status: 'failed', exitCode: 70, findingsCount: 1, firstFinding: expect.stringContaining('exited with status 3') });
  });

  it('retries an endpoint that fails for a moment; user:password in the URL becomes Basic authentication, never shown', async () => {
    receiver = await startHttpReceiver((_request, index) => (index === 0 ? 503 : 204));
    const url = receiver.url.replace('http://', `http://workflow:${SECRET}@`);
    const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { ENVOY_EVENTS_URL: url } });
    expect(finished.code).toBe(0);
    expect(receiver.json<Event>().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(receiver.received[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`workflow:${SECRET}`).toString('base64')}`);
    const written = [finished.stdout, finished.stderr, readFileSync(join(dir, 'test-envoy-report.json'), 'utf8'), readFileSync(join(dir, 'test-envoy-report.html'), 'utf8'), readFileSync(join(dir, 'test-envoy-status.json'), 'utf8')];
    for (const text of written) expect(text).not.toContain(SECRET);
  });

  it('an endpoint that is down never changes the outcome: the run succeeds, the failures are logged and counted', async () => {
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}/events`;
    const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { ENVOY_EVENTS_URL: url, ENVOY_EVENTS_TIMEOUT_SECONDS: '1' } });
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(/WARN +\[events\] event started \(seq 1\) was not delivered to http:\/\/127\.0\.0\.1:\d+\/events: .*connection refused.*the run goes on/);
    const report = readJson<{ status: string; events: { delivered: number; failed: number; destinations: { errors: string[] }[] } }>(join(dir, 'test-envoy-report.json'));
    expect(report.status).toBe('succeeded');
    expect(report.events).toMatchObject({ delivered: 0, failed: 7 });
    expect(report.events.destinations[0]?.errors[0]).toMatch(/connection refused/);
  });

  it('an endpoint that never answers holds the envoy only for a bounded time', async () => {
    receiver = await startHttpReceiver(() => 'hang');
    const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { ENVOY_EVENTS_URL: receiver.url, ENVOY_EVENTS_TIMEOUT_SECONDS: '0.5' } });
    expect(finished.code).toBe(0);
    // Three attempts of the first event, then one for each of the others, each cut at 0.5 s; the rest waits at most 10 s.
    expect(finished.ms).toBeLessThan(40_000);
    const report = readJson<{ events: { delivered: number; failed: number } }>(join(dir, 'test-envoy-report.json'));
    expect(report.events).toMatchObject({ delivered: 0, failed: 7 });
  });

  it('a dry run sends no event: it only probes the endpoint, as --check does, with one HEAD request', async () => {
    receiver = await startHttpReceiver();
    const finished = await run(testEnvoy(), ['--run', child('report-env.js'), '--dry-run'], { cwd: dir, env: { ENVOY_EVENTS_URL: receiver.url } });
    expect(finished.code).toBe(0);
    expect(receiver.received.map((request) => [request.method, request.body])).toEqual([['HEAD', '']]);
    expect(finished.stdout).toMatch(/INFO +\[check-node\] events-http: events endpoint http:\/\/127\.0\.0\.1:\d+\/events answers \(HTTP 204 to a HEAD request\)/);
  });

  it('--check of an endpoint that refuses the credentials is 65, of one that fails 69; --check sends no event either', async () => {
    receiver = await startHttpReceiver((request) => (request.headers.authorization ? 401 : 503));
    const url = new URL(receiver.url);
    url.username = 'envoy';
    url.password = 'wrong-Ev19';
    const refused = await run(testEnvoy(), ['--check'], { cwd: dir, env: { ENVOY_EVENTS_URL: url.href } });
    expect(refused.code).toBe(65);
    expect(refused.stderr).toBe(`test-envoy: events endpoint ${receiver.url} answers HTTP 401: its credentials are refused (setting envoys.events.url, ENVOY_EVENTS_URL)\n`);
    expect(`${refused.stdout}${refused.stderr}`).not.toContain('wrong-Ev19');
    const failing = await run(testEnvoy(), ['--check'], { cwd: dir, env: { ENVOY_EVENTS_URL: receiver.url } });
    expect(failing.code).toBe(69);
    expect(failing.stderr).toBe(`test-envoy: events endpoint ${receiver.url} answers HTTP 503: the workflow system is failing (setting envoys.events.url, ENVOY_EVENTS_URL)\n`);
    expect(receiver.received.map((request) => request.method)).toEqual(['HEAD', 'HEAD']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a bad events URL is exit 65 naming the setting', async () => {
    const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { ENVOY_EVENTS_AMQP_URL: 'http://not-a-broker' } });
    expect(finished.code).toBe(65);
    expect(finished.stderr.split('\n')[0]).toMatch(/envoys\.events\.amqpUrl.*ENVOY_EVENTS_AMQP_URL.*not a amqp or amqps URL/);
  });
});
