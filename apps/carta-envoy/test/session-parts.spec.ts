import { redisLocation, redisReason } from '../src/session/redis';
import { endpointText, GaveUp, retry } from '@envoys/envoy-core';
import { backendUrl, traefikRoutes } from '../src/session/routes';
import { TimeoutError } from '../src/session/timing';
import { BackendOutput } from '../src/session/output';

// The small pieces of a session whose edge cases the whole-session tests do not reach.
describe('session parts', () => {
  it('routes: Host() and path rule, explicit priority and entry points, under the root key; an IPv6 host gets brackets', () => {
    const options = { rootKey: 'proxy/a', proxyHost: 'viewer.example.org', entrypoints: ['websecure', 'internal'], priority: 500 };
    expect(traefikRoutes('s-1', 'node7.example.org', 40123, options)).toEqual([
      { key: 'proxy/a/http/routers/carta-s-1/rule', value: 'Host(`viewer.example.org`) && PathPrefix(`/carta/s-1/`)' },
      { key: 'proxy/a/http/routers/carta-s-1/service', value: 'carta-s-1' },
      { key: 'proxy/a/http/routers/carta-s-1/priority', value: '500' },
      { key: 'proxy/a/http/routers/carta-s-1/entrypoints/0', value: 'websecure' },
      { key: 'proxy/a/http/routers/carta-s-1/entrypoints/1', value: 'internal' },
      { key: 'proxy/a/http/services/carta-s-1/loadbalancer/servers/0/url', value: 'http://node7.example.org:40123/' },
    ]);
    expect(traefikRoutes('s-1', 'h', 1, { ...options, proxyHost: undefined })[0]?.value).toBe('PathPrefix(`/carta/s-1/`)');
    expect(backendUrl('fd00::7', 3002)).toBe('http://[fd00::7]:3002/');
  });

  it('backend output: the port it really listens on, a port it could not bind, why it exited by itself', () => {
    const output = new BackendOutput();
    output.take('[x] [CARTA] [info] Listening on port 3');
    output.take('007 with top level folder /d, starting folder /d.\n');
    expect(output.port).toBe(3007);
    const busy = new BackendOutput();
    busy.take('[x] [CARTA] [error] Could not listen on port 3003!\n\n[x] [CARTA] [info] Listening on port 3003 with top level folder /d\n');
    expect([busy.port, busy.bindFailure]).toEqual([undefined, 'Could not listen on port 3003!']);
    output.take('[x] [CARTA] [info] Session 1 [127.0.0.1] Connected. Num sessions: 1\n[x] [CARTA] [info] No sessions timeout.\n');
    expect([output.connected, output.noSessionsTimeout]).toEqual([true, true]);
  });

  it('Redis URLs: the location never shows credentials', () => {
    expect(redisLocation('redis://envoy:p%40ss@redis.example.org:6380/2')).toBe('redis://redis.example.org:6380/2');
    expect(redisLocation('rediss://:x@redis.example.org')).toBe('rediss://redis.example.org:6379');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(redisReason(new AggregateError([refused]))).toBe('connection refused (ECONNREFUSED)');
    expect(redisReason(new TimeoutError('Redis at redis://h:1 did not answer within 3 s'))).toBe('Redis at redis://h:1 did not answer within 3 s');
  });

  it('notification endpoints are shown without their query string (it may carry credentials)', () => {
    expect(endpointText('https://ws.example.org/events?key=secret')).toBe('https://ws.example.org/events');
  });

  it('retry: backs off exponentially, stops at the number of tries, at the deadline, or on a permanent error', async () => {
    const delays: number[] = [];
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error(`failure ${calls}`));
    };
    const gaveUp = await retry(failing, { tries: 4, firstDelayMs: 5, onRetry: (_e, _n, delay) => delays.push(delay) }).catch((e: unknown) => e);
    expect(gaveUp).toBeInstanceOf(GaveUp);
    expect([(gaveUp as GaveUp).attempts, (gaveUp as GaveUp).message, delays]).toEqual([4, 'failure 4', [5, 10, 20]]);

    calls = 0;
    const started = Date.now();
    const byDeadline = (await retry(failing, { tries: Infinity, firstDelayMs: 40, deadline: Date.now() + 100 }).catch((e: unknown) => e)) as GaveUp;
    expect(Date.now() - started).toBeLessThan(400);
    expect(byDeadline.attempts).toBeGreaterThanOrEqual(2);

    calls = 0;
    const permanent = (await retry(failing, { tries: 5, firstDelayMs: 5, permanent: () => true }).catch((e: unknown) => e)) as GaveUp;
    expect(permanent.attempts).toBe(1);

    let attempt = 0;
    expect(await retry(async () => (++attempt < 3 ? Promise.reject(new Error('not yet')) : 'done'), { tries: 5, firstDelayMs: 1 })).toBe('done');
  });
});
