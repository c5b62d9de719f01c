import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { alive, AT_LAUNCH, atStepStart, bundlePath, startRedis, stopAt, temporariesBelow, type RedisServer, type StopPoint } from '@envoys/testing';
import { EMULATOR, PROXY, report, sessionDir, traefikKeys } from './support/session';

/** A workflow system that takes 3 s to accept carta-ready (and answers carta-ended at once). */
async function slowWorkflow(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += String(chunk)));
    request.on('end', () => {
      const delay = text.includes('"carta-ready"') ? 3000 : 0;
      setTimeout(() => response.writeHead(204).end(), delay);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/events`, server };
}

// The phases of a session after the launch, each with the line that says it has begun.
const PHASES: StopPoint[] = [
  AT_LAUNCH, // waiting for the backend to answer
  { step: 'routes', after: /\[ready\] the backend serves its page/ },
  { step: 'notify', after: /\[routes\] routed / },
  { step: 'lifetime', after: /\[notify\] session ready at / },
];

// Whatever the session is doing, SIGTERM/SIGINT stops it within about a second (plus the backend's own
// shutdown and the teardown: routes removed, carta-ended posted), exit 128+N, nothing left behind.
describe('carta-envoy stopped by a signal during each step', () => {
  let redis: RedisServer;
  let workflow: { url: string; server: Server };
  beforeAll(async () => {
    redis = await startRedis();
    workflow = await slowWorkflow();
  });
  afterAll(async () => {
    await redis?.stop();
    workflow?.server.closeAllConnections();
    workflow?.server.close();
  });

  it.each([
    ['folder', ['--folder', 'images']],
    ['single', ['--single', 'images/cube.fits']],
  ])('%s', async (mode, modeArgs) => {
    const points: StopPoint[] = [...['audit', 'backend', 'redis', 'port'].map(atStepStart), ...PHASES];
    for (const [index, point] of points.entries()) {
      const { dir } = sessionDir();
      const pidFile = join(dir, 'backend.pid');
      const env = {
        CARTA_BACKEND: EMULATOR,
        CARTA_PROXY_BASE_URL: PROXY,
        CARTA_CHECK_PROXY: 'false',
        CARTA_EMULATOR_PIDFILE: pidFile,
        CARTA_REDIS_URL: redis.url,
        CARTA_NOTIFY_URL: workflow.url,
        CARTA_TIMEOUT_MINUTES: '10',
        ENVOY_GRACE_SECONDS: '30',
      };
      const signal = index === 1 ? 'SIGINT' : 'SIGTERM';
      const args = [...modeArgs, '--session-id', `stop-${mode}-${index}`, '--set', 'envoys.carta.host=127.0.0.1'];
      const stopped = await stopAt(bundlePath('carta-envoy'), args, { cwd: dir, env }, point, signal);
      const code = signal === 'SIGINT' ? 130 : 143;
      expect([point.step, stopped.code, report(dir).exitCode, report(dir).signal]).toEqual([point.step, code, code, signal]);
      expect([point.step, stopped.stopMs < 5000]).toEqual([point.step, true]);
      if (existsSync(pidFile)) expect([point.step, alive(Number(readFileSync(pidFile, 'utf8')))]).toEqual([point.step, false]);
      expect([point.step, await traefikKeys(redis)]).toEqual([point.step, []]);
      expect([point.step, temporariesBelow(dir)]).toEqual([point.step, []]);
      if (point.step === 'notify') expect(report(dir).details.session?.endedBy).toBe('signal');
    }
  });
});
