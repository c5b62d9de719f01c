import { createLogger, Redactor, type LogFormat } from '@envoys/envoy-core';
import { orphanRoutes, SessionRoutes } from './routes';

// The keys are gone within this long, or are left to their expiry: the job may be ending around us.
const REMOVAL_MS = 10_000;

/**
 * carta-envoy's at-death work, run by the watchdog when the envoy died without its teardown (SIGKILL):
 * removes the session's Traefik routes, so that the proxy stops serving a URL whose backend the watchdog is
 * stopping, seconds after the death rather than at the keys' expiry. The same owner check as teardown: a
 * route another backend has taken over is left alone. Exit 0 removed or left to its owner, 69 not removed.
 */
export async function removeRoutesAfterDeath(payload: string): Promise<number> {
  const orphans = orphanRoutes(payload);
  if (!orphans) return 65;
  const redactor = new Redactor();
  const password = decodeURIComponent(new URL(orphans.redisUrl).password);
  if (password) redactor.add(password);
  const logger = await createLogger({ envoy: 'carta-envoy', format: orphans.logFormat as LogFormat, redactor });
  const log = logger.child('watchdog');
  const routes = new SessionRoutes(orphans.redisUrl, orphans.routes, log, true);
  const removal = await routes.remove(Date.now() + REMOVAL_MS);
  if (removal.notRemoved.length > 0) {
    log.error(`the envoy died; the Traefik routes of session ${orphans.sessionId} could not be removed (${removal.error}): ${removal.notRemoved.join(', ')}`);
    return 69;
  }
  if (removal.removed.length > 0) log.warn(`the envoy died: removed the ${removal.removed.length} Traefik keys of session ${orphans.sessionId}`);
  return 0;
}
