import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis, workspaceRoot, type RedisServer, type RespValue } from '@envoys/testing';
import { startNotificationEndpoint, type NotificationEndpoint } from './support/notifications';
import { report, sessionDir, startSession, tokenOf } from './support/session';
import { eventually, startTraefik, statusOf, type Traefik } from './support/traefik';

// The README's Redis ACL lines, applied as written: the envoy's user is enough to write and remove a
// session's routes, Traefik's read-only user enough to read them and follow their changes.
const ADMIN_PASSWORD = 'redis-admin-Ac17';
const ENVOY_PASSWORD = 'envoy-pass-Ac17';
const TRAEFIK_PASSWORD = 'traefik-pass-Ac17';

function readmeAclLines(): string[][] {
  const readme = readFileSync(join(workspaceRoot, 'apps/carta-envoy/README.md'), 'utf8');
  return readme
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('ACL SETUSER '))
    .map((line) => line.replace('>ENVOY_PASSWORD', `>${ENVOY_PASSWORD}`).replace('>TRAEFIK_PASSWORD', `>${TRAEFIK_PASSWORD}`).split(/\s+/));
}

/** ACL LOG entries as field maps (what Redis refused, to whom). */
function refusals(log: RespValue): Record<string, RespValue>[] {
  return (Array.isArray(log) ? log : []).map((entry) => {
    const fields = Array.isArray(entry) ? entry : [];
    const record: Record<string, RespValue> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[String(fields[i])] = fields[i + 1] ?? null;
    return record;
  });
}

describe('carta-envoy and Traefik with the README Redis ACL users', () => {
  let redis: RedisServer;
  let traefik: Traefik;
  let workflow: NotificationEndpoint;

  beforeAll(async () => {
    redis = await startRedis({ password: ADMIN_PASSWORD });
    const lines = readmeAclLines();
    expect(lines.map((words) => words[2])).toEqual(['carta-envoy', 'traefik']);
    for (const words of lines) expect(await redis.command(...words)).toBe('OK');
    // The README's redis.conf line, and the site's permanent key under the root (Traefik keeps the last
    // routes when the tree becomes empty); the test's Redis gets them at run time.
    await redis.command('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await redis.command('SET', 'traefik/http/services/site/loadbalancer/servers/0/url', 'http://127.0.0.1:9/');
    traefik = await startTraefik(redis, TRAEFIK_PASSWORD, 'traefik');
    workflow = await startNotificationEndpoint();
  }, 30_000);
  afterAll(async () => {
    await traefik?.stop();
    await redis?.stop();
    await workflow?.close();
  });

  it('a session routes through Traefik, is checked through it, and its URL is gone once it ends; nothing refused that the clients need', async () => {
    const { dir } = sessionDir();
    const id = 'acl-1';
    const session = startSession(dir, ['--folder', 'images', '--session-id', id], {
      CARTA_REDIS_URL: `redis://carta-envoy:${ENVOY_PASSWORD}@127.0.0.1:${redis.port}`,
      CARTA_NOTIFY_URL: workflow.url,
      CARTA_PROXY_BASE_URL: traefik.web,
      CARTA_ENTRYPOINTS: 'web',
      CARTA_CHECK_PROXY: 'true',
      CARTA_TIMEOUT_MINUTES: '5',
      ENVOY_GRACE_SECONDS: '5',
    });
    let url = '';
    try {
      const ready = await workflow.next('carta-ready', id);
      url = ready.url ?? '';
      expect(await statusOf(`${traefik.web}/carta/${id}/api/database/preferences`, { 'carta-auth-token': tokenOf(ready.url) })).toBe(200);
    } finally {
      session.process.kill('SIGTERM');
    }
    const finished = await session.finished;
    expect(finished.code).toBe(143);
    expect(report(dir).details.routes?.notRemoved).toEqual([]);
    expect(await redis.command('KEYS', `traefik/http/*/carta-${id}/*`)).toEqual([]);
    await eventually(async () => (await statusOf(url)) === 404, 10_000, "Traefik to drop the session's route");

    const refused = refusals(await redis.command('ACL', 'LOG')).map((entry) => `${String(entry['username'])} ${String(entry['object'])}`);
    // Refusals the clients ignore: Traefik switching notifications on itself, the clients naming themselves (Redis 7.2+).
    expect(refused.filter((what) => what !== 'traefik config|set' && !what.endsWith(' client|setinfo'))).toEqual([]);
  });
});
