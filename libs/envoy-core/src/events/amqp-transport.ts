import { GaveUp, retry } from '../retry/retry';
import type { EventTransport, RunEvent, SendPlan } from './event';

export interface AmqpTransportOptions {
  readonly url: string;
  readonly exchange: string;
  readonly attemptMs: number;
  /** The connection's name in the broker's management view, e.g. `casa-envoy <runId>`. */
  readonly connectionName: string;
}

type Amqp = typeof import('amqplib');
type Connection = Awaited<ReturnType<Amqp['connect']>>;
type ConfirmChannel = Awaited<ReturnType<Connection['createConfirmChannel']>>;

interface Open {
  readonly connection: Connection;
  readonly channel: ConfirmChannel;
}

/** Where the broker is, for logs and the report: never the user name or password. */
export function amqpLocation(url: string, exchange: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672');
  const vhost = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '/';
  return `${parsed.protocol}//${parsed.hostname}:${port} vhost ${vhost} exchange ${exchange}`;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = (reason: string) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      reject(new Error(reason));
    };
    const onAbort = () => stop(`${what}: the envoy stopped waiting`);
    const timer = setTimeout(() => stop(`${what}: no answer within ${ms / 1000} s`), ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => stop(error instanceof Error ? error.message : String(error)),
    );
  });
}

/**
 * Events published to a RabbitMQ topic exchange with routing key `<envoy>.<event>`, persistent, on a
 * confirm channel: an event counts as delivered once the broker has confirmed it. The connection is made at
 * the first event (amqplib is loaded only then: `--help` never pays for it) and kept for the run; a lost
 * connection is made again at the next attempt. The exchange is declared as a durable topic exchange (the
 * declaration succeeds when the workflow system has declared it the same way).
 */
export function amqpTransport(options: AmqpTransportOptions): EventTransport {
  let open: Promise<Open> | undefined;

  const drop = (): void => {
    const closing = open;
    open = undefined;
    void closing?.then(
      ({ connection }) => connection.close().catch(() => undefined),
      () => undefined,
    );
  };

  const connect = (): Promise<Open> => {
    const attempt: Promise<Open> = (async () => {
      const amqp: Amqp = await import('amqplib');
      const connection = await amqp.connect(options.url, {
        timeout: options.attemptMs,
        clientProperties: { connection_name: options.connectionName },
      });
      // A lost connection is made again at the next attempt.
      const forget = () => {
        if (open === attempt) open = undefined;
      };
      // Without a listener an 'error' event would end the envoy; the failed publish says what went wrong.
      connection.on('error', () => undefined);
      connection.on('close', forget);
      try {
        const channel = await connection.createConfirmChannel();
        channel.on('error', () => undefined);
        channel.on('close', () => {
          forget();
          void connection.close().catch(() => undefined);
        });
        await channel.assertExchange(options.exchange, 'topic', { durable: true });
        return { connection, channel };
      } catch (error) {
        await connection.close().catch(() => undefined);
        throw error;
      }
    })();
    return attempt;
  };

  return {
    kind: 'amqp',
    endpoint: amqpLocation(options.url, options.exchange),
    async send(event: RunEvent, body: string, { tries, signal }: SendPlan): Promise<void> {
      try {
        await retry(
          async () => {
            try {
              open ??= connect();
              const { channel } = await withTimeout(open, options.attemptMs, 'connecting to the broker', signal);
              channel.publish(options.exchange, `${event.envoy}.${event.event}`, Buffer.from(body), {
                persistent: true,
                contentType: 'application/json',
                messageId: `${event.runId}.${event.seq}`,
                timestamp: Math.floor(Date.parse(event.time) / 1000),
                type: event.event,
                appId: event.envoy,
              });
              await withTimeout(channel.waitForConfirms(), options.attemptMs, 'waiting for the broker to confirm', signal);
            } catch (error) {
              drop();
              throw error;
            }
          },
          { tries, firstDelayMs: 500, signal },
        );
      } catch (error) {
        throw error instanceof GaveUp ? error.lastError : error;
      }
    },
    async close(): Promise<void> {
      const closing = open;
      open = undefined;
      if (!closing) return;
      try {
        const { connection } = await withTimeout(closing, 2000, 'closing', new AbortController().signal);
        await withTimeout(connection.close(), 2000, 'closing', new AbortController().signal);
      } catch {
        // The broker is gone or slow: the process exit closes the socket anyway.
      }
    },
  };
}
