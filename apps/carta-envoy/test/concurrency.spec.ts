import { startRedis, type RedisServer } from '@envoys/testing';
import { startNotificationEndpoint, type Notification, type NotificationEndpoint } from './support/notifications';
import { expectBackendGone, report, routeValues, sessionDir, startSession, traefikKeys } from './support/session';

// Ten users ask for a viewer at once on one node: each session gets its own port, token and route, and
// every one of them is cleaned up.
describe('ten carta-envoy sessions at once', () => {
  let redis: RedisServer;
  let workflow: NotificationEndpoint;
  beforeAll(async () => {
    redis = await startRedis();
    workflow = await startNotificationEndpoint();
  });
  afterAll(async () => {
    await redis?.stop();
    await workflow?.close();
  });

  it('get ten distinct ports, tokens and routes, and all end cleanly with exit 0', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `many-${i}`);
    // Each session's routes are read as soon as it announces itself, while it certainly runs.
    const routesAtReady = new Map<string, Promise<(string | null)[]>>();
    workflow.onNotification = (notification: Notification) => {
      if (notification.event === 'carta-ready') routesAtReady.set(notification.sessionId, routeValues(redis, notification.sessionId));
    };
    const sessions = ids.map((id) =>
      startSession(sessionDir().dir, ['--folder', 'images', '--session-id', id], {
        CARTA_REDIS_URL: redis.url,
        CARTA_NOTIFY_URL: workflow.url,
        CARTA_TIMEOUT_MINUTES: '0.08',
      }),
    );
    const finished = await Promise.all(sessions.map((session) => session.finished));
    expect(finished.map((f) => f.code)).toEqual(ids.map(() => 0));

    const ready = await Promise.all(ids.map((id) => workflow.next('carta-ready', id)));
    const tokens = new Set(ready.map((n) => new URL(n.url ?? '').searchParams.get('token')));
    expect(tokens.size).toBe(10);
    const serviceUrls: string[] = [];
    for (const id of ids) {
      const values = (await routesAtReady.get(id)) ?? [];
      expect(values.slice(0, 4)).toEqual([`Host(\`viewer.example.org\`) && PathPrefix(\`/carta/${id}/\`)`, `carta-${id}`, '100000', 'websecure']);
      serviceUrls.push(values[4] ?? '');
    }
    const ports = new Set(serviceUrls.map((url) => new URL(url).port));
    expect(ports.size).toBe(10);
    expect(new Set(sessions.map((s) => report(s.dir).details.session?.port))).toEqual(new Set([...ports].map(Number)));

    expect(await traefikKeys(redis)).toEqual([]);
    for (const id of ids) expect(await workflow.next('carta-ended', id)).toMatchObject({ reason: 'lifetime' });
    for (const session of sessions) expectBackendGone(session);
  });
});
