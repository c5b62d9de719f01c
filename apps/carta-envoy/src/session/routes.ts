import { GaveUp, retry, UnavailableError, type Logger } from '@envoys/envoy-core';
import { permanentRedisError, redisLocation, redisReason, withRedis } from './redis';

/** One Traefik key under the Redis provider's root key `traefik`, with its plain string value. */
export interface RouteKey {
  readonly key: string;
  readonly value: string;
}

/** The backend's address as the proxy reaches it; an IPv6 literal needs brackets in a URL. */
export function backendUrl(host: string, port: number): string {
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
}

/** Where and how the proxy serves a session (the routing settings). */
export interface RouteOptions {
  readonly rootKey: string;
  /** The rule's Host(); undefined: any host. */
  readonly proxyHost: string | undefined;
  readonly entrypoints: readonly string[];
  readonly priority: number;
}

/** The path under which the proxy serves a session, and the backend serves everything (--http_url_prefix). */
export function sessionPrefix(sessionId: string): string {
  return `/carta/${sessionId}`;
}

/**
 * The router and service, both named `carta-<ID>`: requests for `/carta/<ID>/...` go to the backend as they
 * are (the backend serves under that prefix itself, so that the frontend's API calls, which follow
 * /config's apiAddress, stay in the session). The rule ends in `/`: `/carta/<ID>` alone would also match
 * `/carta/<ID>2`. Entry points are always named (a router without them is served on every entry point,
 * plain HTTP too) and the priority is explicit (Traefik's default, the rule's length, lets a longer site
 * rule take the session). The service URL comes last: it is the key that says which backend owns the route
 * (see SessionRoutes.remove).
 */
export function traefikRoutes(sessionId: string, host: string, port: number, options: RouteOptions): RouteKey[] {
  const name = `carta-${sessionId}`;
  const root = options.rootKey;
  const path = `PathPrefix(\`${sessionPrefix(sessionId)}/\`)`;
  return [
    { key: `${root}/http/routers/${name}/rule`, value: options.proxyHost ? `Host(\`${options.proxyHost}\`) && ${path}` : path },
    { key: `${root}/http/routers/${name}/service`, value: name },
    { key: `${root}/http/routers/${name}/priority`, value: String(options.priority) },
    ...options.entrypoints.map((entrypoint, index) => ({ key: `${root}/http/routers/${name}/entrypoints/${index}`, value: entrypoint })),
    { key: `${root}/http/services/${name}/loadbalancer/servers/0/url`, value: backendUrl(host, port) },
  ];
}

/** What teardown did with the keys, for the log and the report. */
export interface Removal {
  readonly removed: readonly string[];
  /** Keys that may still be in Redis because it could not be reached. */
  readonly notRemoved: readonly string[];
  /** Keys left alone because another session with the same ID owns the route now. */
  readonly leftToOwner: readonly string[];
  readonly error?: string;
}

const ATTEMPT_MS = 3000;

/** The session's keys in Redis: written once, removed at teardown, and never someone else's. */
export class SessionRoutes {
  /** Whether a write reached Redis (its reply may have been lost): from then on teardown must remove. */
  private touched = false;
  private readonly location: string;

  constructor(
    private readonly redisUrl: string,
    readonly routes: readonly RouteKey[],
    private readonly logger: Logger,
    /** Routes written by an envoy that died: the at-death work removes them. */
    written = false,
  ) {
    this.location = redisLocation(redisUrl);
    this.touched = written;
  }

  /** The at-death payload: everything the watchdog's run needs to remove these routes, credentials included. */
  atDeathPayload(sessionId: string, logFormat: string): string {
    const orphans: OrphanRoutes = { sessionId, redisUrl: this.redisUrl, routes: this.routes, logFormat };
    return JSON.stringify(orphans);
  }

  get written(): readonly string[] {
    return this.touched ? this.routes.map((route) => route.key) : [];
  }

  private get owner(): RouteKey {
    return this.routes[this.routes.length - 1] as RouteKey;
  }

  /**
   * Writes every key in one transaction. The keys expire `ttlSeconds` from now: a safety net for when the
   * envoy is killed outright (SIGKILL, a lost node) and its teardown never runs. Unreachable Redis is 69.
   */
  async write(ttlSeconds: number, signal: AbortSignal): Promise<void> {
    try {
      const previous = await retry(
        () =>
          withRedis(this.redisUrl, ATTEMPT_MS, async (client) => {
            const before = await client.get(this.owner.key);
            this.touched = true;
            const transaction = client.multi();
            for (const { key, value } of this.routes) transaction.set(key, value, { expiration: { type: 'EX', value: ttlSeconds } });
            await transaction.exec();
            return before;
          }),
        {
          tries: 3,
          firstDelayMs: 250,
          signal,
          permanent: permanentRedisError,
          onRetry: (error, attempt, delay) => this.logger.warn(`Redis: ${redisReason(error)}; retrying in ${delay} ms`, { attempt }),
        },
      );
      if (previous !== null && previous !== this.owner.value) {
        this.logger.warn(`the route was held by another backend (${previous}); this session has taken it over`);
      }
    } catch (error) {
      const cause = error instanceof GaveUp ? error.lastError : error;
      throw new UnavailableError(`cannot write the Traefik routes to Redis at ${this.location}: ${redisReason(cause)}`, [], { cause });
    }
  }

  /**
   * Deletes every key, retrying an unreachable Redis until `deadline`. The keys are deleted only while the
   * service URL is still this backend's (WATCH, so the check and the delete are one step): a job restarted
   * elsewhere with the same session ID may have taken the route over, and its routes must survive this teardown.
   */
  async remove(deadline: number): Promise<Removal> {
    const keys = this.written;
    if (keys.length === 0) return { removed: [], notRemoved: [], leftToOwner: [] };
    const { WatchError } = await import('@redis/client');
    try {
      const outcome = await retry(
        () =>
          withRedis(this.redisUrl, ATTEMPT_MS, async (client) => {
            for (let round = 0; round < 5; round++) {
              await client.watch(this.owner.key);
              const current = await client.get(this.owner.key);
              if (current !== null && current !== this.owner.value) {
                await client.unwatch();
                return 'taken-over' as const;
              }
              try {
                await client.multi().del([...keys]).exec();
                return 'removed' as const;
              } catch (error) {
                if (!(error instanceof WatchError)) throw error;
              }
            }
            throw new Error('the route kept changing while it was being removed');
          }),
        {
          tries: Number.POSITIVE_INFINITY,
          firstDelayMs: 250,
          maxDelayMs: 2000,
          deadline,
          permanent: permanentRedisError,
          onRetry: (error, attempt, delay) =>
            this.logger.warn(`Redis: ${redisReason(error)}; retrying in ${delay} ms to remove the routes`, { attempt }),
        },
      );
      if (outcome === 'taken-over') {
        this.logger.warn('another backend with this session ID owns the route now: its keys are left in place');
        return { removed: [], notRemoved: [], leftToOwner: keys };
      }
      return { removed: keys, notRemoved: [], leftToOwner: [] };
    } catch (error) {
      const cause = error instanceof GaveUp ? error.lastError : error;
      const attempts = error instanceof GaveUp ? ` after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'}` : '';
      return { removed: [], notRemoved: keys, leftToOwner: [], error: `Redis at ${this.location}: ${redisReason(cause)}${attempts}` };
    }
  }
}

/** What the watchdog needs to remove a session's routes after the envoy died (its at-death payload). */
export interface OrphanRoutes {
  readonly sessionId: string;
  readonly redisUrl: string;
  readonly routes: readonly RouteKey[];
  readonly logFormat: string;
}

/** Restores the routes an envoy wrote from its at-death payload; undefined when the payload is not one. */
export function orphanRoutes(payload: string): OrphanRoutes | undefined {
  try {
    const parsed = JSON.parse(payload) as Partial<OrphanRoutes>;
    const routes = Array.isArray(parsed.routes) ? parsed.routes.filter((route) => typeof route?.key === 'string' && typeof route.value === 'string') : [];
    if (typeof parsed.redisUrl !== 'string' || typeof parsed.sessionId !== 'string' || routes.length === 0) return undefined;
    return { sessionId: parsed.sessionId, redisUrl: parsed.redisUrl, routes, logFormat: parsed.logFormat === 'json' ? 'json' : 'text' };
  } catch {
    return undefined;
  }
}

/**
 * Proves that the envoy's Redis user may do with a route key everything a session does (SessionRoutes:
 * GET, SET with expiry, WATCH, MULTI/DEL/EXEC): on a probe key in the session keys' own space under the root
 * key, a service of no router (Traefik serves nothing for it), which expires in a minute should the probe be
 * cut off. A user that may only PING passes a plain connection check and would fail only once the backend
 * runs; here it is 69 naming the right that is missing.
 */
export async function probeRouteRights(redisUrl: string, rootKey: string, probeId: string): Promise<string> {
  const location = redisLocation(redisUrl);
  const key = `${rootKey}/http/services/carta-envoy-check-${probeId}/loadbalancer/servers/0/url`;
  try {
    await withRedis(redisUrl, ATTEMPT_MS, async (client) => {
      await client.get(key);
      await client.set(key, 'http://127.0.0.1:9/', { expiration: { type: 'EX', value: 60 } });
      await client.watch(key);
      await client.multi().del(key).exec();
    });
  } catch (error) {
    if (permanentRedisError(error)) {
      throw new UnavailableError(
        `Redis at ${location} refuses the route keys under ${rootKey}/ to the envoy's user: ${redisReason(error)} (it needs ~${rootKey}/* +get +set +del +watch +unwatch +multi +exec)`,
        [],
        { cause: error },
      );
    }
    throw new UnavailableError(`Redis at ${location} is unreachable: ${redisReason(error)} (set envoys.carta.redisUrl or CARTA_REDIS_URL)`, [], { cause: error });
  }
  return `Redis at ${location}: the envoy's user may read, write, watch and delete route keys under ${rootKey}/ (probe key written and deleted)`;
}
