import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, bundlePath, interruptAt, middleOfLongest, startRedis, temporariesBelow, timeline, treeShape, within, type Moment, type RedisServer } from '@envoys/testing';
import { startNotificationEndpoint, type NotificationEndpoint } from './support/notifications';
import { EMULATOR, PROXY, report, sessionDir, traefikKeys } from './support/session';

const SETUP = ['audit', 'backend', 'redis', 'port'];

// A batch system re-runs an evicted session job from the start: killed with SIGKILL at any moment, the
// backend is stopped by the watchdog, and the rerun (same session ID) converges to what one clean session
// leaves: no backend, no route in Redis, its report, no leftovers.
describe('carta-envoy killed at any moment, then run again', () => {
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

  it.each([
    ['folder', ['--folder', 'images']],
    ['single', ['--single', 'images/cube.fits']],
  ])('%s', async (mode, modeArgs) => {
    const id = `crash-${mode}`;
    const args = [...modeArgs, '--session-id', id, '--set', 'envoys.carta.host=127.0.0.1'];
    const session = (dir: string) => {
      const pidFile = join(dir, 'backend.pid');
      const env = {
        CARTA_BACKEND: EMULATOR,
        CARTA_PROXY_BASE_URL: PROXY,
        CARTA_CHECK_PROXY: 'false',
        CARTA_EMULATOR_PIDFILE: pidFile,
        CARTA_REDIS_URL: redis.url,
        CARTA_NOTIFY_URL: workflow.url,
        CARTA_TIMEOUT_MINUTES: '0.04',
        ENVOY_GRACE_SECONDS: '5',
      };
      return { env, pidFile };
    };
    const clean = sessionDir();
    const spawnedAt = Date.now();
    const cleanRun = await interruptAt(bundlePath('carta-envoy'), args, { cwd: clean.dir, env: session(clean.dir).env }, 600_000);
    expect(cleanRun.code).toBe(0);
    const steps = timeline(report(clean.dir), spawnedAt);
    const moments = [middleOfLongest(steps, SETUP), within(steps, 'launch', 0.3), within(steps, 'launch', 0.8)].filter((m): m is Moment => m !== undefined);
    const shape = treeShape(clean.dir);

    for (const moment of moments) {
      const { dir } = sessionDir();
      const { env, pidFile } = session(dir);
      await interruptAt(bundlePath('carta-envoy'), args, { cwd: dir, env }, moment.atMs);
      // The watchdog shares the envoy's output: once it is closed, no backend of the killed run is left.
      if (existsSync(pidFile)) expect([moment.label, alive(Number(readFileSync(pidFile, 'utf8')))]).toEqual([moment.label, false]);
      const rerun = await interruptAt(bundlePath('carta-envoy'), args, { cwd: dir, env }, 600_000);
      expect([moment.label, rerun.code]).toEqual([moment.label, 0]);
      expect([moment.label, report(dir).status]).toEqual([moment.label, 'succeeded']);
      expect([moment.label, alive(Number(readFileSync(pidFile, 'utf8')))]).toEqual([moment.label, false]);
      expect([moment.label, await traefikKeys(redis)]).toEqual([moment.label, []]);
      expect([moment.label, temporariesBelow(dir)]).toEqual([moment.label, []]);
      expect([moment.label, treeShape(dir)]).toEqual([moment.label, shape]);
    }
  });
});
