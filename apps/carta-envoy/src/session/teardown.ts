import { UnavailableError, type EnvoyContext } from '@envoys/envoy-core';
import { announceEnd } from './announce';
import { recordRoutes, recordSession } from './live-status';
import type { Removal } from './routes';
import type { SessionState } from './state';

async function removeRoutes(context: EnvoyContext, session: SessionState, deadline: number): Promise<Removal | undefined> {
  const { routes } = session;
  if (!routes || routes.written.length === 0) return undefined;
  // Recorded first: should the run be cut short here, the report still lists what is left in Redis.
  recordRoutes(context, session);
  const removal = await routes.remove(deadline);
  recordRoutes(context, session, removal);
  // Removed, or left to their new owner: nothing for the watchdog to do should the envoy die now.
  if (removal.notRemoved.length === 0) context.atDeath(undefined);
  if (removal.removed.length > 0) context.logger.child('teardown').info(`removed ${removal.removed.length} Traefik keys from Redis`);
  return removal;
}

/**
 * CONTRACT 6.3 step 8, whatever happened before: the routes removed and carta-ended posted, side by side
 * within the teardown window. Keys left in Redis are exit 69, listed for removal by hand.
 */
export async function endSession(context: EnvoyContext, session: SessionState): Promise<void> {
  // Before the audit passed nothing was started or written; a dry run writes nothing at all.
  if (context.dryRun || !session.settings) return;
  const { teardownMs, graceMs } = session.settings;
  const log = context.logger.child('teardown');
  // After a stop signal the runner gives teardown the grace period; finish inside it so the report is whole.
  const window = context.signal.aborted ? Math.min(teardownMs, Math.max(1000, graceMs - 2000)) : teardownMs;
  const deadline = Date.now() + window;
  const [removal] = await Promise.all([removeRoutes(context, session, deadline), announceEnd(context, session, deadline)]);
  recordSession(context, session);
  if (removal?.notRemoved.length) {
    log.error(`${removal.notRemoved.length} Traefik keys could not be removed from Redis (${removal.error}): ${removal.notRemoved.join(', ')}`);
    throw new UnavailableError(`could not remove the Traefik routes of session ${session.sessionId} from ${removal.error}; remove these keys by hand:`, removal.notRemoved);
  }
}
