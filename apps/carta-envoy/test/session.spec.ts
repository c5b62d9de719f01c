import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startRedis, waitFor, type RedisServer } from '@envoys/testing';
import { startNotificationEndpoint, type NotificationEndpoint } from './support/notifications';
import {
  expectBackendGone,
  expectHidden,
  failureLine,
  PROXY,
  report,
  routeKeyNames,
  routeValues,
  sessionDir,
  startSession,
  tokenOf,
  traefikKeys,
} from './support/session';

// Whole sessions through the built bundle, the CARTA emulator, a real Redis (with a password, which must
// stay as secret as the token) and a recording notification endpoint (CONTRACT 6.3).
const REDIS_PASSWORD = 'redis-pass-Zq83';

interface CartaStatus {
  state: string;
  exitCode?: number;
  session?: { id: string; state: string; url?: string; backendUrl?: string; idleTimeoutSeconds?: number };
  timeLeft?: { seconds: number; limit: string; idleTimeoutSeconds?: number };
}

describe('carta-envoy sessions', () => {
  let redis: RedisServer;
  let workflow: NotificationEndpoint;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startRedis({ password: REDIS_PASSWORD });
    workflow = await startNotificationEndpoint();
    env = { CARTA_REDIS_URL: redis.url, CARTA_NOTIFY_URL: workflow.url, CARTA_TIMEOUT_MINUTES: '0.05', ENVOY_GRACE_SECONDS: '5' };
  });
  afterAll(async () => {
    await redis?.stop();
    await workflow?.close();
  });

  it('folder: routes while running, the backend answers through the route with the token, all gone after the lifetime, exit 0', async () => {
    const { dir, images } = sessionDir();
    const id = 'folder-1';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], env);
    const ready = await workflow.next('carta-ready', id);
    const token = tokenOf(ready.url);
    expect(ready.url).toBe(`${PROXY}/carta/${id}/?token=${token}`);
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(Date.parse(ready.expiresAt ?? '')).toBeGreaterThan(Date.now());

    // While it runs: exactly the keys of CONTRACT 6.3 step 5, plain strings, pointing at the backend's port.
    const values = await routeValues(redis, id);
    const serviceUrl = values[4] ?? '';
    expect(serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(values).toEqual([`Host(\`viewer.example.org\`) && PathPrefix(\`/carta/${id}/\`)`, `carta-${id}`, '100000', 'websecure', serviceUrl]);
    for (const key of routeKeyNames(id)) expect(await redis.command('TYPE', key)).toBe('string');
    expect(await traefikKeys(redis)).toEqual([...routeKeyNames(id)].sort());
    // What Traefik forwards: the backend serves its page under the session's prefix, its API to the token holder only.
    expect((await fetch(`${serviceUrl}carta/${id}/`)).status).toBe(200);
    const api = `${serviceUrl}carta/${id}/api/database/preferences`;
    expect((await fetch(`${api}?token=${token}`)).status).toBe(200);
    expect((await fetch(api)).status).toBe(403);
    expect((await fetch(`${api}?token=${token.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`)).status).toBe(403);
    const backend = session.backendPid();
    expect(alive(backend)).toBe(true);

    const finished = await session.finished;
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    expect(await traefikKeys(redis)).toEqual([]);
    const ended = await workflow.next('carta-ended', id);
    expect(ended).toMatchObject({ event: 'carta-ended', sessionId: id, reason: 'lifetime' });
    expectBackendGone(session);

    const run = report(dir);
    expect(run).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(run.launch?.argv.slice(1)).toEqual([
      '--no_browser', '--no_log', '--no_user_config', '--no_system_config', '--host', '0.0.0.0', '--port', '3003,3500',
      '--top_level_folder', images, '--http_url_prefix', `/carta/${id}`, '--initial_timeout', '900', '--exit_timeout', '300', images,
    ]);
    expect(run.launch?.env).toEqual({ CARTA_AUTH_TOKEN: '[REDACTED]' });
    expect(run.launch?.stoppedBy).toBe('lifetime');
    expect(run.details.session).toMatchObject({ id, host: '127.0.0.1', port: Number(new URL(serviceUrl).port), url: `${PROXY}/carta/${id}/`, endedBy: 'lifetime' });
    expect(run.details.routes).toMatchObject({ written: routeKeyNames(id), removed: routeKeyNames(id), notRemoved: [] });
    expect(run.details.notifications?.map((n) => [n.event, n.delivered])).toEqual([['carta-ready', true], ['carta-ended', true]]);
    // The backend shut down on the SIGINT the envoy sent at the end of the lifetime.
    expect(readFileSync(join(dir, 'carta-envoy.folder.out.log'), 'utf8')).toContain('Exiting backend.');
    expectHidden([token, REDIS_PASSWORD], finished, dir, 'folder');
  });

  it('without a workflow endpoint, --url-file hands the URL with its token to whoever started it, in a file of mode 0600', async () => {
    const { dir } = sessionDir();
    const id = 'url-file-1';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id, '--url-file', 'session.url'], { ...env, CARTA_NOTIFY_URL: undefined });
    const file = join(dir, 'session.url');
    await waitFor(() => existsSync(file), 30_000, 'the URL file');
    const url = readFileSync(file, 'utf8');
    const token = tokenOf(url.trim());
    expect(url).toBe(`${PROXY}/carta/${id}/?token=${token}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const finished = await session.finished;
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain(`the URL with its token is in ${file} (mode 0600)`);
    // The token is in that file only: not in the log, the report or the status.
    expectHidden([token], finished, dir, 'folder');
  });

  it('single: the image is opened with its folder as the top level; same life cycle, exit 0', async () => {
    const { dir, images, fits } = sessionDir();
    const id = 'Single_2';
    const session = startSession(dir, ['--single', 'images/cube.fits', '--session-id', id], env);
    const ready = await workflow.next('carta-ready', id);
    const token = tokenOf(ready.url);
    // Routed in lower case (Traefik's keys are case-insensitive); the URL opens the image.
    expect(ready.url).toBe(`${PROXY}/carta/single_2/?token=${token}&file=cube.fits`);
    const serviceUrl = (await routeValues(redis, 'single_2'))[4] ?? '';
    expect((await fetch(`${serviceUrl}carta/single_2/`)).status).toBe(200);

    const finished = await session.finished;
    expect(finished.code).toBe(0);
    expect(await routeValues(redis, 'single_2')).toEqual([null, null, null, null, null]);
    expect(await workflow.next('carta-ended', id)).toMatchObject({ reason: 'lifetime' });
    expectBackendGone(session);
    const argv = report(dir).launch?.argv ?? [];
    expect(argv.slice(argv.indexOf('--top_level_folder'), argv.indexOf('--top_level_folder') + 2)).toEqual(['--top_level_folder', images]);
    expect(argv[argv.length - 1]).toBe(fits);
    expect(report(dir).launch).toMatchObject({ cwd: images });
    expectHidden([token, REDIS_PASSWORD], finished, dir, 'single');
  });

  it('the live status shows the session once ready, without its token, and the time left of its lifetime', async () => {
    const { dir } = sessionDir();
    const id = 'status-1';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], { ...env, CARTA_TIMEOUT_MINUTES: '10', CARTA_IDLE_TIMEOUT_SECONDS: '300' });
    const token = tokenOf((await workflow.next('carta-ready', id)).url);
    const statusFile = join(dir, 'carta-envoy-status.json');
    const read = () => (existsSync(statusFile) ? (JSON.parse(readFileSync(statusFile, 'utf8')) as CartaStatus) : undefined);
    await waitFor(() => read()?.session?.state === 'ready' && read()?.timeLeft !== undefined, 15_000, 'the session ready in the status');
    const status = read();
    expect(status).toMatchObject({
      state: 'running',
      session: { id, state: 'ready', url: `${PROXY}/carta/${id}/`, backendUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), initialTimeoutSeconds: 900, exitTimeoutSeconds: 300 },
      timeLeft: { limit: 'lifetime', initialTimeoutSeconds: 900, exitTimeoutSeconds: 300 },
    });
    expect(status?.timeLeft?.seconds).toBeGreaterThan(500);
    expect(status?.timeLeft?.seconds).toBeLessThanOrEqual(600);
    expect(readFileSync(statusFile, 'utf8')).not.toContain(token);
    session.process.kill('SIGTERM');
    const finished = await session.finished;
    expect(finished.code).toBe(143);
    expect(read()).toMatchObject({ state: 'stopped', exitCode: 143, session: { state: 'ended' } });
    expect(read()?.timeLeft).toBeUndefined();
    expectHidden([token, REDIS_PASSWORD], finished, dir, 'folder');
  });

  it('SIGTERM mid-session: the backend gets SIGINT, teardown completes, exit 143', async () => {
    const { dir } = sessionDir();
    const id = 'sigterm';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], { ...env, CARTA_TIMEOUT_MINUTES: '10' });
    const token = tokenOf((await workflow.next('carta-ready', id)).url);
    expect((await routeValues(redis, id)).every((value) => value !== null)).toBe(true);
    session.process.kill('SIGTERM');
    const finished = await session.finished;
    expect(finished.code).toBe(143);
    expect(finished.ms).toBeLessThan(15_000);
    expect(await traefikKeys(redis)).toEqual([]);
    expect(await workflow.next('carta-ended', id)).toMatchObject({ reason: 'signal' });
    expectBackendGone(session);
    expect(readFileSync(join(dir, 'carta-envoy.folder.out.log'), 'utf8')).toContain('Exiting backend.');
    expect(report(dir)).toMatchObject({ exitCode: 143, signal: 'SIGTERM', details: { routes: { notRemoved: [] } } });
    expectHidden([token, REDIS_PASSWORD], finished, dir, 'folder');
  });

  it('SIGKILL of the envoy mid-session: its watchdog stops the backend with SIGINT; the routes expire by themselves', async () => {
    const { dir } = sessionDir();
    const id = 'sigkill';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], { ...env, CARTA_TIMEOUT_MINUTES: '10' });
    await workflow.next('carta-ready', id);
    const backend = session.backendPid();
    session.process.kill('SIGKILL');
    await waitFor(() => !alive(backend), 15_000, 'the backend to be stopped by the watchdog');
    const finished = await session.finished;
    expect(finished.stdout).toMatch(/\[watchdog\] carta-envoy \(pid \d+\) died while carta_backend \(process group \d+\) was running: stopping the group with SIGINT/);
    // The watchdog ran the envoy's at-death work: the routes are gone too, long before their expiry.
    expect(finished.stdout).toMatch(/\[watchdog\] the envoy died: removed the 5 Traefik keys of session sigkill/);
    expect(await traefikKeys(redis)).toEqual([]);
  });

  it('the backend crashes mid-session: teardown completes, exit 70 naming the exit status', async () => {
    const { dir } = sessionDir();
    const id = 'crash';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], {
      ...env,
      CARTA_TIMEOUT_MINUTES: '10',
      CARTA_EMULATOR_SCENARIO: 'crash',
      CARTA_EMULATOR_CRASH_AFTER_SECONDS: '1.5',
    });
    const token = tokenOf((await workflow.next('carta-ready', id)).url);
    const finished = await session.finished;
    expect(finished.code).toBe(70);
    expect(failureLine(finished)).toMatch(/carta_backend.*exited with status 1/);
    expect(await traefikKeys(redis)).toEqual([]);
    expect(await workflow.next('carta-ended', id)).toMatchObject({ reason: 'backend-exited' });
    expectBackendGone(session);
    expectHidden([token, REDIS_PASSWORD], finished, dir, 'folder');
  });

  it('the backend dies of a signal the envoy did not send: exit 70', async () => {
    const { dir } = sessionDir();
    const id = 'oom';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], {
      ...env,
      CARTA_TIMEOUT_MINUTES: '10',
      CARTA_EMULATOR_SCENARIO: 'killed',
      CARTA_EMULATOR_CRASH_AFTER_SECONDS: '1.5',
    });
    await workflow.next('carta-ready', id);
    const finished = await session.finished;
    expect(finished.code).toBe(70);
    expect(failureLine(finished)).toMatch(/killed by SIGKILL/);
    expect(await traefikKeys(redis)).toEqual([]);
  });

  it('the backend exits 0 by itself (nobody opened the session: its initial time-out): exit 0, carta-ended says why', async () => {
    const { dir } = sessionDir();
    const id = 'idle';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], { ...env, CARTA_TIMEOUT_MINUTES: '10', CARTA_IDLE_TIMEOUT_SECONDS: '1', CARTA_INITIAL_TIMEOUT_SECONDS: '2' });
    const token = tokenOf((await workflow.next('carta-ready', id)).url);
    // Page and API requests are no clients: only a browser's WebSocket is.
    expect((await fetch(`${(await routeValues(redis, id))[4]}carta/${id}/api/database/preferences?token=${token}`)).status).toBe(200);
    const finished = await session.finished;
    expect(finished.code).toBe(0);
    expect(report(dir).launch?.argv).toEqual(expect.arrayContaining(['--idle_timeout', '1', '--initial_timeout', '2']));
    expect(await workflow.next('carta-ended', id)).toMatchObject({ reason: 'initial-timeout' });
    expect(await traefikKeys(redis)).toEqual([]);
  });

  it('a backend that does not answer within readyTimeoutSeconds is stopped: exit 70, no route written', async () => {
    const { dir } = sessionDir();
    const id = 'slow';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id, '--set', 'envoys.carta.readyTimeoutSeconds=0.8'], {
      ...env,
      CARTA_EMULATOR_SCENARIO: 'slow-start',
      CARTA_EMULATOR_START_DELAY_SECONDS: '30',
    });
    const finished = await session.finished;
    expect(finished.code).toBe(70);
    expect(failureLine(finished)).toMatch(/did not say which port it listens on within 0.8 s/);
    expectBackendGone(session);
    expect(await traefikKeys(redis)).toEqual([]);
    expect(report(dir).details.routes).toBeUndefined();
    expect(workflow.received.filter((n) => n.sessionId === id).map((n) => n.event)).toEqual(['carta-ended']);
  });
});
