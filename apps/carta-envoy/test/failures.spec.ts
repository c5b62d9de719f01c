import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort, run, bundlePath, startRedis, treeFingerprint, waitFor, type RedisServer } from '@envoys/testing';
import { startNotificationEndpoint, type NotificationEndpoint } from './support/notifications';
import {
  EMULATOR,
  expectBackendGone,
  expectHidden,
  failureLine,
  PROXY,
  report,
  routeKeyNames,
  sessionDir,
  startSession,
  tokenOf,
  traefikKeys,
} from './support/session';

// What goes wrong around a session: Redis and the workflow system's endpoint unavailable, and bad input.
describe('carta-envoy when services fail', () => {
  let workflow: NotificationEndpoint;
  beforeAll(async () => {
    workflow = await startNotificationEndpoint();
  });
  afterAll(async () => {
    await workflow?.close();
  });

  it('Redis unreachable at start: exit 69 naming it, and no backend is started', async () => {
    const { dir } = sessionDir();
    const port = await freeLoopbackPort();
    const session = startSession(dir, ['--folder', 'images', '--session-id', 'noredis'], {
      CARTA_REDIS_URL: `redis://:pw-never-shown@127.0.0.1:${port}`,
      CARTA_NOTIFY_URL: workflow.url,
    });
    const finished = await session.finished;
    expect(finished.code).toBe(69);
    expect(failureLine(finished)).toBe(
      `carta-envoy: Redis at redis://127.0.0.1:${port} is unreachable: connection refused (ECONNREFUSED) (set envoys.carta.redisUrl or CARTA_REDIS_URL)`,
    );
    expect(existsSync(session.pidFile)).toBe(false);
    expect(report(dir).launch).toBeUndefined();
    expect(workflow.received.filter((n) => n.sessionId === 'noredis')).toEqual([]);
    expectHidden(['pw-never-shown'], finished, dir, 'folder');
  });

  describe('Redis goes away mid-session', () => {
    let redis: RedisServer;
    afterEach(async () => {
      await redis?.stop();
    });

    it('stopped for good: teardown retries for the teardown window, then exit 69 listing the keys it could not remove', async () => {
      redis = await startRedis();
      const { dir } = sessionDir();
      const id = 'redis-gone';
      const session = startSession(dir, ['--folder', 'images', '--session-id', id], {
        CARTA_REDIS_URL: redis.url,
        CARTA_NOTIFY_URL: workflow.url,
        CARTA_TIMEOUT_MINUTES: '0.04',
        CARTA_TEARDOWN_SECONDS: '1.5',
      });
      const token = tokenOf((await workflow.next('carta-ready', id)).url);
      await redis.stop();
      const finished = await session.finished;
      expect(finished.code).toBe(69);
      expect(failureLine(finished)).toMatch(
        new RegExp(`^carta-envoy: could not remove the Traefik routes of session ${id} from Redis at redis://127\\.0\\.0\\.1:${redis.port}: connection refused \\(ECONNREFUSED\\) after \\d+ attempts; remove these keys by hand:$`),
      );
      for (const key of routeKeyNames(id)) expect(finished.stderr).toContain(`  ${key}`);
      expect(finished.stdout).toMatch(/ERROR \[teardown\] 5 Traefik keys could not be removed from Redis/);
      expect(finished.stdout).toMatch(/retrying in \d+ ms to remove the routes/);
      const run = report(dir);
      expect(run.details.routes).toMatchObject({ written: routeKeyNames(id), removed: [], notRemoved: routeKeyNames(id) });
      expect(run.details.routes?.error).toMatch(/ECONNREFUSED/);
      // The rest of the teardown happened all the same.
      expect(await workflow.next('carta-ended', id)).toMatchObject({ reason: 'lifetime' });
      expectBackendGone(session);
      expectHidden([token], finished, dir, 'folder');
    });

    it('not answering for a while, then back within the teardown window: the keys are removed, exit 0', async () => {
      redis = await startRedis();
      const { dir } = sessionDir();
      const id = 'redis-back';
      const session = startSession(dir, ['--folder', 'images', '--session-id', id], {
        CARTA_REDIS_URL: redis.url,
        CARTA_NOTIFY_URL: workflow.url,
        CARTA_TIMEOUT_MINUTES: '0.02',
        CARTA_TEARDOWN_SECONDS: '10',
      });
      await workflow.next('carta-ready', id);
      redis.pause();
      try {
        await waitFor(() => session.output().includes('lifetime of'), 10_000, 'the lifetime to end');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        redis.resume();
      }
      const finished = await session.finished;
      expect([finished.code, failureLine(finished)]).toEqual([0, '']);
      expect(await traefikKeys(redis)).toEqual([]);
      expect(report(dir).details.routes).toMatchObject({ removed: routeKeyNames(id), notRemoved: [] });
    });
  });

  it('notify endpoint down: carta-ready is retried with back-off, then exit 69 with the routes removed and the backend stopped', async () => {
    const redis = await startRedis();
    try {
      const { dir } = sessionDir();
      const id = 'nobody-listens';
      const port = await freeLoopbackPort();
      const session = startSession(dir, ['--folder', 'images', '--session-id', id], {
        CARTA_REDIS_URL: redis.url,
        CARTA_NOTIFY_URL: `http://127.0.0.1:${port}/events?key=site-credential`,
      });
      const finished = await session.finished;
      expect(finished.code).toBe(69);
      expect(failureLine(finished)).toBe(
        `carta-envoy: the workflow system did not accept the carta-ready notification after 5 attempts: http://127.0.0.1:${port}/events: connection refused (ECONNREFUSED)`,
      );
      expect(finished.stdout.match(/carta-ready notification to \S+ failed: connection refused \(ECONNREFUSED\); retrying in \d+ ms/g)?.length).toBe(4);
      expect(finished.stdout).not.toContain('site-credential');
      expect(await traefikKeys(redis)).toEqual([]);
      expectBackendGone(session);
      const run = report(dir);
      expect(run.details.routes).toMatchObject({ removed: routeKeyNames(id), notRemoved: [] });
      expect(run.details.notifications?.map((n) => [n.event, n.delivered, n.attempts])).toEqual([
        ['carta-ready', false, 5],
        ['carta-ended', false, 3],
      ]);
      expect(run.launch?.stoppedBy).toBe('failure while running');
    } finally {
      await redis.stop();
    }
  });
});

describe('carta-envoy refuses bad input before anything starts', () => {
  const env = { CARTA_BACKEND: EMULATOR, CARTA_PROXY_BASE_URL: PROXY, CARTA_CHECK_PROXY: 'false', CARTA_REDIS_URL: 'redis://127.0.0.1:1' };
  const carta = (dir: string, args: string[], extra: Record<string, string> = {}) =>
    run(bundlePath('carta-envoy'), args, { cwd: dir, env: { ...env, ...extra } });

  it('a missing image is 66', async () => {
    const { dir } = sessionDir();
    const finished = await carta(dir, ['--single', 'images/missing.fits', '--session-id', 'a']);
    expect(finished.code).toBe(66);
    expect(failureLine(finished)).toBe(`carta-envoy: image ${join(dir, 'images/missing.fits')} does not exist`);
    // Nothing was started, so teardown had nothing to do, and says so by succeeding.
    expect(report(dir)).toMatchObject({ exitCode: 66, steps: [{ name: 'audit', status: 'failed' }, { name: 'teardown', status: 'succeeded' }] });
  });

  it('a missing folder is 66; a folder that is a file is 65', async () => {
    const { dir, fits } = sessionDir();
    expect((await carta(dir, ['--folder', 'nowhere', '--session-id', 'a'])).code).toBe(66);
    const finished = await carta(dir, ['--folder', fits, '--session-id', 'a']);
    expect(finished.code).toBe(65);
    expect(failureLine(finished)).toBe(`carta-envoy: folder ${fits} is not a directory`);
  });

  it('a session ID with @ or / is a usage error (2), and nothing is written', async () => {
    const { dir } = sessionDir();
    const before = treeFingerprint(dir);
    for (const id of ['user@site', '../x', 'a/b', 'a b', '']) {
      const finished = await carta(dir, ['--folder', 'images', '--session-id', id]);
      expect([id, finished.code]).toEqual([id, 2]);
      expect(finished.stderr).toMatch(/session-id/);
    }
    expect(treeFingerprint(dir)).toEqual(before);
  });

  it('a missing proxy base URL is 65 naming the setting', async () => {
    const { dir } = sessionDir();
    const finished = await carta(dir, ['--folder', 'images', '--session-id', 'a'], { CARTA_PROXY_BASE_URL: '' });
    expect(finished.code).toBe(65);
    expect(failureLine(finished)).toMatch(/envoys\.carta\.proxyBaseUrl is required.*CARTA_PROXY_BASE_URL/);
  });

  it('a backend that cannot be found is 69 naming the setting', async () => {
    const { dir } = sessionDir();
    const finished = await carta(dir, ['--folder', 'images', '--session-id', 'a'], { CARTA_BACKEND: 'carta_backend_not_installed' });
    expect(finished.code).toBe(69);
    expect(failureLine(finished)).toMatch(/carta_backend_not_installed not found on PATH.*CARTA_BACKEND/);
  });

  it('an image that is neither file nor directory (a FIFO) is 65; so is an unreadable one', async () => {
    const { dir } = sessionDir();
    const fifo = join(dir, 'images/pipe.fits');
    execFileSync('mkfifo', [fifo]);
    const finished = await carta(dir, ['--single', fifo, '--session-id', 'a']);
    expect(finished.code).toBe(65);
    expect(failureLine(finished)).toBe(`carta-envoy: image ${fifo} is neither a file nor a directory`);
    // Root reads everything, so permissions can only be tested as another user.
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'images/locked.fits');
      writeFileSync(locked, 'SIMPLE', { mode: 0o000 });
      expect((await carta(dir, ['--single', locked, '--session-id', 'a'])).code).toBe(65);
    }
  });

  it('--dry-run checks everything, prints the command with the token redacted, writes nothing', async () => {
    const redis = await startRedis();
    try {
      const { dir, images } = sessionDir();
      const before = treeFingerprint(dir);
      const finished = await carta(dir, ['--folder', 'images', '--session-id', 'dry', '--dry-run', '--set', 'envoys.carta.host=node7.example'], {
        CARTA_REDIS_URL: redis.url,
      });
      expect(finished.code).toBe(0);
      expect(finished.stdout).toMatch(new RegExp(`argv: \\["${EMULATOR}","--no_browser","--no_log","--no_user_config","--no_system_config","--host","0.0.0.0","--port","3003,3500","--top_level_folder","${images}","--http_url_prefix","/carta/[^"]+","--initial_timeout","900","--exit_timeout","300","${images}"\\]`));
      expect(finished.stdout).toContain('env: CARTA_AUTH_TOKEN=[REDACTED]');
      expect(treeFingerprint(dir)).toEqual(before);
      expect(readdirSync(dir).sort()).toEqual(['images']);
      expect(await traefikKeys(redis)).toEqual([]);
    } finally {
      await redis.stop();
    }
  });
});
