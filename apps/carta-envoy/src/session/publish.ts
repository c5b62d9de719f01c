import { UnavailableError, type EnvoyContext } from '@envoys/envoy-core';
import { recordRoutes, recordSession } from './live-status';
import { pollUntil } from './ready';
import { redisLocation } from './redis';
import { backendUrl, SessionRoutes, traefikRoutes } from './routes';
import type { SessionState } from './state';

// Routes outlive the session's end by this much at most when the envoy dies without its teardown.
const ROUTE_TTL_MARGIN_MS = 10 * 60 * 1000;

/** The session's Traefik routes to the backend at `host`:`port` (CONTRACT 6.3 step 5), not yet written. */
export function sessionRoutes(context: EnvoyContext, session: SessionState, host: string, port: number): SessionRoutes {
  const { redisUrl, rootKey, proxyHost, entrypoints, routerPriority } = session.config;
  return new SessionRoutes(redisUrl, traefikRoutes(session.sessionId, host, port, { rootKey, proxyHost, entrypoints, priority: routerPriority }), context.logger.child('routes'));
}

/**
 * Writes the routes to the backend at `host`:`port` into Redis with an expiry past the session's `deadline`,
 * the watchdog's removal registered first.
 */
export async function writeRoutes(context: EnvoyContext, session: SessionState, routes: SessionRoutes, backend: { host: string; port: number }, deadline: number, stop: AbortSignal): Promise<void> {
  const { host, port } = backend;
  // Registered before the write: should the envoy be killed from here on, the watchdog removes the keys.
  context.atDeath(routes.atDeathPayload(session.sessionId, context.commandLine.logFormat));
  await routes.write(Math.ceil((deadline - Date.now() + session.config.graceMs + ROUTE_TTL_MARGIN_MS) / 1000), stop);
  context.logger.child('routes').info(`routed ${session.publicUrl} to ${backendUrl(host, port)}`, { keys: routes.written.length });
  recordRoutes(context, session);
  recordSession(context, session);
}

/**
 * The route must reach THIS backend through the proxy before anyone is told the URL: a Redis database
 * Traefik does not read, a proxy that is not watching, or a rule that shadows the route would otherwise
 * announce a dead link. Only this backend accepts the session's token on its database API.
 */
export async function checkProxy(context: EnvoyContext, session: SessionState, stop: AbortSignal): Promise<void> {
  const { config, publicUrl } = session;
  const url = `${publicUrl}api/database/preferences`;
  const probe = await pollUntil(url, {
    headers: { 'carta-auth-token': session.token },
    accept: (status, body) => status === 200 && body.includes('"success"'),
    timeoutMs: config.proxyCheckMs,
    stop,
  });
  if (probe.ok) {
    context.logger.child('proxy').info(`the proxy routes ${publicUrl} to this backend`);
    return;
  }
  if (stop.aborted) return;
  throw new UnavailableError(
    `the proxy does not route ${publicUrl} to this session's backend within ${config.proxyCheckMs / 1000} s (envoys.carta.proxyCheckSeconds): ${url} answered ${probe.saw}; check that Traefik reads ${redisLocation(config.redisUrl)} under root key ${config.rootKey}, serves entry points ${config.entrypoints.join(',')}, and that no router outranks priority ${config.routerPriority}`,
  );
}
