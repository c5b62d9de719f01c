import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sessionDir, startSession } from './support/session';

// One owner per session directory (docs/RELIABILITY.md): a second session started in a directory another
// live run owns is refused before it starts a backend or touches Redis.
describe('carta-envoy and the ownership of its directory', () => {
  it('a directory whose owner renews its lease: 75 naming the owner; no backend, no report', async () => {
    const { dir } = sessionDir();
    const lease = join(dir, '.envoys-lease.json');
    writeFileSync(lease, JSON.stringify({ envoy: 'carta-envoy', runId: 'r1', host: 'n1', node: 'n1', pidNamespace: 'pid:[1]', pid: 55, since: '2026-12-04T18:00:00.000Z', token: 'c'.repeat(24) }));
    const renew = setInterval(() => utimesSync(lease, new Date(), new Date()), 150);
    try {
      // No Redis is running: a refused session must not even get as far as needing one.
      const session = startSession(dir, ['--folder', 'images', '--session-id', 's-owned'], { ENVOY_LEASE_SECONDS: '1', CARTA_REDIS_URL: 'redis://127.0.0.1:1' });
      const finished = await session.finished;
      expect(finished.code).toBe(75);
      expect(finished.stderr.split('\n').find((line) => line.startsWith('carta-envoy: '))).toMatch(/^carta-envoy: .* is owned by carta-envoy pid 55 on host n1 since 2026-12-04T18:00:00.000Z; refusing to work on it/);
      expect(existsSync(session.pidFile)).toBe(false);
    } finally {
      clearInterval(renew);
    }
    expect(readdirSync(dir).sort()).toEqual(['.envoys-lease.json', 'images']);
  });
});
