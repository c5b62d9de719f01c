import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, readJson, run, startRabbitMq, type RabbitMq } from '@envoys/testing';
import { child, testEnvoy } from './support/test-envoy-process';

interface Delivered {
  routingKey: string;
  exchange: string;
  body: { event: string; seq: number; runId: string; envoy: string; exitCode?: number; findingsCount?: number };
  contentType: string | undefined;
  persistent: boolean;
}

// Events to a real RabbitMQ (Debian's rabbitmq-server, started for these tests on a loopback port).
describe('lifecycle events over AMQP', () => {
  let broker: RabbitMq;
  let dir: string;
  beforeAll(async () => {
    broker = await startRabbitMq();
  }, 180_000);
  afterAll(async () => {
    await broker?.stop();
  }, 60_000);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envoys-amqp-'));
  });

  /** A queue bound to the exchange as a workflow system would bind it, collecting what arrives. */
  async function listen(exchange: string, pattern: string) {
    const amqp = await import('amqplib');
    const connection = await amqp.connect(broker.url);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, pattern);
    const messages: Delivered[] = [];
    await channel.consume(queue, (message) => {
      if (!message) return;
      messages.push({
        routingKey: message.fields.routingKey,
        exchange: message.fields.exchange,
        body: JSON.parse(message.content.toString('utf8')) as Delivered['body'],
        contentType: message.properties.contentType as string | undefined,
        persistent: message.properties.deliveryMode === 2,
      });
      channel.ack(message);
    });
    return {
      messages,
      async until(count: number) {
        const deadline = Date.now() + 15_000;
        while (messages.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      },
      close: () => connection.close(),
    };
  }

  it('arrive in order on the exchange with routing key <envoy>.<event>, persistent JSON; the password never shows', async () => {
    const listener = await listen('envoys', 'test-envoy.#');
    try {
      const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { ENVOY_EVENTS_AMQP_URL: broker.url } });
      expect(finished.code).toBe(0);
      await listener.until(7);
      expect(listener.messages.map((m) => [m.routingKey, m.body.seq])).toEqual([
        ['test-envoy.started', 1],
        ['test-envoy.step-finished', 2],
        ['test-envoy.step-finished', 3],
        ['test-envoy.launched', 4],
        ['test-envoy.step-finished', 5],
        ['test-envoy.step-finished', 6],
        ['test-envoy.finished', 7],
      ]);
      const report = readJson<{ runId: string; events: unknown }>(join(dir, 'test-envoy-report.json'));
      expect(listener.messages.every((m) => m.exchange === 'envoys' && m.contentType === 'application/json' && m.persistent && m.body.runId === report.runId)).toBe(true);
      expect(listener.messages.at(-1)?.body).toMatchObject({ event: 'finished', exitCode: 0, findingsCount: 0 });
      expect(report.events).toEqual({
        delivered: 7,
        failed: 0,
        destinations: [{ transport: 'amqp', endpoint: `amqp://127.0.0.1:${broker.port} vhost / exchange envoys`, delivered: 7, failed: 0, errors: [] }],
      });
      const written = [finished.stdout, finished.stderr, ...['test-envoy-report.json', 'test-envoy-report.html', 'test-envoy-status.json'].map((name) => readFileSync(join(dir, name), 'utf8'))];
      for (const text of written) expect(text).not.toContain(broker.password);
      expect(readFileSync(join(dir, 'test-envoy-report.json'), 'utf8')).toContain(`amqp://${broker.user}:[REDACTED]@127.0.0.1:${broker.port}/`);
    } finally {
      await listener.close();
    }
  }, 60_000);

  it('an exchange of the site\'s choosing; a failed run says so in finished', async () => {
    const listener = await listen('workflow-events', '*.finished');
    try {
      const finished = await run(testEnvoy(), ['--run', child('report-env.js')], {
        cwd: dir,
        env: { ENVOY_EVENTS_AMQP_URL: broker.url, ENVOY_EVENTS_EXCHANGE: 'workflow-events', EXIT_WITH: '2' },
      });
      expect(finished.code).toBe(70);
      await listener.until(1);
      expect(listener.messages.map((m) => [m.routingKey, m.body.exitCode, m.body.findingsCount])).toEqual([['test-envoy.finished', 70, 1]]);
    } finally {
      await listener.close();
    }
  }, 60_000);

  it('a broker that is not there, or refuses the password, never changes the outcome: logged and counted', async () => {
    const closed = await freeLoopbackPort();
    for (const url of [`amqp://envoys:whatever-pw@127.0.0.1:${closed}/`, broker.url.replace(broker.password, 'wrong-password')]) {
      const finished = await run(testEnvoy(), ['--run', child('report-env.js')], { cwd: dir, env: { ENVOY_EVENTS_AMQP_URL: url, ENVOY_EVENTS_TIMEOUT_SECONDS: '2' } });
      expect(finished.code).toBe(0);
      expect(finished.stdout).toMatch(/WARN +\[events\] event started \(seq 1\) was not delivered to amqp:\/\/127\.0\.0\.1:\d+ vhost \/ exchange envoys: /);
      const report = readJson<{ status: string; events: { delivered: number; failed: number } }>(join(dir, 'test-envoy-report.json'));
      expect(report).toMatchObject({ status: 'succeeded', events: { delivered: 0, failed: 7 } });
      expect(finished.stdout).not.toContain('whatever-pw');
      expect(finished.stdout).not.toContain('wrong-password');
    }
  }, 120_000);

  it('--check connects and looks the exchange up without declaring it; a refused password or no broker is 69', async () => {
    const fresh = `check-${Date.now()}`;
    const missing = await run(testEnvoy(), ['--check'], { cwd: dir, env: { ENVOY_EVENTS_AMQP_URL: broker.url, ENVOY_EVENTS_EXCHANGE: fresh } });
    expect([missing.code, missing.stderr]).toEqual([0, '']);
    expect(missing.stdout).toContain(`  ok      events-amqp: broker amqp://127.0.0.1:${broker.port} vhost / exchange ${fresh} answers; the exchange does not exist yet: the first event declares it (durable, topic)`);
    const listener = await listen('envoys', 'test-envoy.#');
    try {
      const existing = await run(testEnvoy(), ['--check'], { cwd: dir, env: { ENVOY_EVENTS_AMQP_URL: broker.url } });
      expect(existing.code).toBe(0);
      expect(existing.stdout).toContain(`  ok      events-amqp: broker amqp://127.0.0.1:${broker.port} vhost / exchange envoys answers; the exchange exists`);
      expect(listener.messages).toEqual([]);
    } finally {
      await listener.close();
    }
    const wrong = await run(testEnvoy(), ['--check'], { cwd: dir, env: { ENVOY_EVENTS_AMQP_URL: broker.url.replace(broker.password, 'wrong-password'), ENVOY_EVENTS_TIMEOUT_SECONDS: '5' } });
    expect(wrong.code).toBe(69);
    expect(wrong.stderr).toMatch(/^test-envoy: events broker amqp:\/\/127\.0\.0\.1:\d+ vhost \/ exchange envoys refuses the envoy's credentials or vhost: .*\(setting envoys\.events\.amqpUrl, ENVOY_EVENTS_AMQP_URL\)\n$/);
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('wrong-password');
    const closed = await freeLoopbackPort();
    const gone = await run(testEnvoy(), ['--check'], { cwd: dir, env: { ENVOY_EVENTS_AMQP_URL: `amqp://envoys:pw@127.0.0.1:${closed}/` } });
    expect(gone.code).toBe(69);
    expect(gone.stderr).toBe(`test-envoy: events broker amqp://127.0.0.1:${closed} vhost / exchange envoys refuses the connection (ECONNREFUSED) (setting envoys.events.amqpUrl, ENVOY_EVENTS_AMQP_URL)\n`);
  }, 120_000);
});
