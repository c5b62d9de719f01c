import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, startRedis, tempDir, type RedisServer } from '@envoys/testing';
import { startNotificationEndpoint, type NotificationEndpoint } from './support/notifications';
import { report, sessionDir, startSession } from './support/session';

// The backend's port is picked by binding port 0 and closing it: another process may take it before the
// backend binds it. Here one really does (support/port-thief-backend.cjs starts a separate process that
// listens on the port the envoy chose, just before the backend starts): the envoy sees the port taken, picks
// another and launches the backend again.
describe('carta-envoy when another process takes the backend\'s port', () => {
  let redis: RedisServer;
  let workflow: NotificationEndpoint;
  const thiefPidFile = join(tempDir('port-thief-'), 'thief.pid');
  const portLog = join(tempDir('port-thief-log-'), 'ports');

  beforeAll(async () => {
    redis = await startRedis();
    workflow = await startNotificationEndpoint();
  });
  afterAll(async () => {
    try {
      process.kill(Number(readFileSync(thiefPidFile, 'utf8')), 'SIGKILL');
    } catch {
      // not started, or gone
    }
    await redis?.stop();
    await workflow?.close();
  });

  it('launches the backend again on a new port and the session works', async () => {
    const { dir } = sessionDir();
    const backend = join(dir, 'carta_backend');
    copyFileSync(join(__dirname, 'support/port-thief-backend.cjs'), backend);
    chmodSync(backend, 0o755);
    const session = startSession(dir, ['--folder', 'images', '--session-id', 'stolen-port'], {
      CARTA_BACKEND: backend,
      CARTA_REDIS_URL: redis.url,
      CARTA_NOTIFY_URL: workflow.url,
      CARTA_TIMEOUT_MINUTES: '0.05',
      ENVOY_GRACE_SECONDS: '5',
      PORT_THIEF_PIDFILE: thiefPidFile,
      PORT_THIEF_LOG: portLog,
      CARTA_EMULATOR_ROOT: join(__dirname, '../../../tools/emulators/carta'),
    });
    const ready = await workflow.next('carta-ready', 'stolen-port');
    const finished = await session.finished;
    expect([finished.code, finished.stderr]).toEqual([0, expect.any(String)]);
    const [first, second, ...more] = readFileSync(portLog, 'utf8').trim().split('\n');
    expect(more).toEqual([]);
    expect(second).not.toBe(first);
    // The thief still holds the first port: the session ran on the second.
    expect(alive(Number(readFileSync(thiefPidFile, 'utf8')))).toBe(true);
    const { details, steps } = report(dir);
    expect(details.session?.port).toBe(Number(second));
    expect(details.session?.backendUrl).toBe(`http://127.0.0.1:${second}/`);
    expect(ready.url).toMatch(/\/carta\/stolen-port\/\?token=/);
    expect(steps.filter((step) => step.name === 'launch').map((step) => step.status)).toEqual(['failed', 'succeeded']);
    expect(finished.stdout).toMatch(new RegExp(`port ${first} was taken by another process before the backend could listen on it: launching it again on port ${second}`));
  });
});
