import { TimeoutError, withTimeout } from './timing';

// @redis/client is loaded only when a session talks to Redis: --help and usage errors never pay for it.
async function newClient(url: string, timeoutMs: number) {
  const { createClient } = await import('@redis/client');
  return createClient({
    url,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
    disableOfflineQueue: true,
    // Shows as lib-name node-redis(carta-envoy) in CLIENT LIST, for the operator who wonders who writes routes.
    clientInfoTag: 'carta-envoy',
  });
}

export type RedisClient = Awaited<ReturnType<typeof newClient>>;

/** Where Redis is, for messages and the report: scheme, host, port and database, never the credentials. */
export function redisLocation(url: string): string {
  const parsed = new URL(url);
  const database = parsed.pathname.replace(/^\/+/, '');
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}${database ? `/${database}` : ''}`;
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
};

/** Why a Redis call failed, in a few words. */
export function redisReason(error: unknown): string {
  const first = error instanceof AggregateError && error.errors.length > 0 ? (error.errors[0] as unknown) : error;
  if (first instanceof TimeoutError) return first.message;
  const code = typeof first === 'object' && first !== null && 'code' in first ? String((first as { code: unknown }).code) : '';
  if (code) return `${ERRNO_TEXT[code] ?? 'connection failed'} (${code})`;
  return first instanceof Error ? first.message : String(first);
}

/** Redis answered with an error that another attempt will not fix (wrong password, no permission). */
export function permanentRedisError(error: unknown): boolean {
  return error instanceof Error && /^(WRONGPASS|NOAUTH|NOPERM|WRONGTYPE|ERR)\b/.test(error.message);
}

/**
 * Runs `work` on a connection of its own, closed afterwards. A session talks to Redis three times (check,
 * write, remove) minutes apart, so a fresh connection each time is cheap, and it has none of a long-lived
 * client's background reconnection that could leave a command queued forever. Every attempt is bounded:
 * a Redis that accepts connections but does not answer (stopped, overloaded) costs at most `timeoutMs`.
 */
export async function withRedis<T>(url: string, timeoutMs: number, work: (client: RedisClient) => Promise<T>): Promise<T> {
  const client = await newClient(url, timeoutMs);
  // Without a listener an 'error' event would end the process; the failure reaches us through the promise.
  client.on('error', () => undefined);
  const close = () => {
    if (client.isOpen) client.destroy();
  };
  try {
    return await withTimeout(
      client.connect().then(() => work(client)),
      timeoutMs,
      `Redis at ${redisLocation(url)}`,
      close,
    );
  } finally {
    close();
  }
}
