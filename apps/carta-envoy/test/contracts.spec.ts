import { describeOnEachNode, expectRunContracts, startHttpReceiver, startRedis, type RedisServer } from '@envoys/testing';
import { startNotificationEndpoint, type NotificationEndpoint } from './support/notifications';
import { sessionDir, startSession } from './support/session';

// What the built carta-envoy writes and sends during a whole session, held against the schemas envoy-core
// publishes (libs/envoy-core/schemas, docs/CONTRACTS.md): the report, the last status and every event, on
// Node 20 (the oldest supported) and on the LTS the release executables embed.
describeOnEachNode('carta-envoy keeps the published contracts', () => {
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
    ['a session that ends with its lifetime', 'contract-ok', {}, 0],
    ['a session whose backend crashes', 'contract-crash', { CARTA_TIMEOUT_MINUTES: '10', CARTA_EMULATOR_SCENARIO: 'crash', CARTA_EMULATOR_CRASH_AFTER_SECONDS: '1.5' }, 70],
  ] as const)('%s: report, status and every event', async (_, id, scenario, exitCode) => {
    const { dir } = sessionDir();
    const events = await startHttpReceiver();
    try {
      const session = startSession(dir, ['--folder', 'images', '--session-id', id], {
        CARTA_REDIS_URL: redis.url,
        CARTA_NOTIFY_URL: workflow.url,
        CARTA_TIMEOUT_MINUTES: '0.05',
        ENVOY_GRACE_SECONDS: '5',
        ENVOY_EVENTS_URL: events.url,
        ...scenario,
      });
      expect((await session.finished).code).toBe(exitCode);
      expectRunContracts(dir, 'carta-envoy', events.json(), exitCode);
    } finally {
      await events.close();
    }
  });
});
