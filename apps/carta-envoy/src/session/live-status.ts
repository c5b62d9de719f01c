import type { EnvoyContext } from '@envoys/envoy-core';
import { redisLocation } from './redis';
import { backendUrl, type Removal } from './routes';
import type { SessionState } from './state';

/**
 * The session in the live status: what an operator needs to find it (the public URL without its token,
 * which is a secret, and the backend's address behind the proxy) and the time left before the lifetime
 * ends; the backend ends it earlier when nobody opens it (`initialTimeoutSeconds`) or the last browser left
 * (`exitTimeoutSeconds`).
 */
function showSession(context: EnvoyContext, session: SessionState): void {
  const { status } = context;
  const state = session.phase;
  status.update({
    session: {
      id: session.sessionId,
      state,
      url: state === 'ready' ? session.publicUrl : undefined,
      backendUrl: session.host && session.port ? backendUrl(session.host, session.port) : undefined,
      expiresAt: session.expiresAt?.toISOString(),
      initialTimeoutSeconds: session.settings?.initialTimeoutSeconds,
      exitTimeoutSeconds: session.settings?.exitTimeoutSeconds,
    },
  });
  const expires = session.expiresAt?.getTime();
  if (state === 'ready' && expires !== undefined) {
    const secondsLeft = () => Math.max(0, Math.round((expires - Date.now()) / 1000));
    status.live('timeLeft', () => ({ seconds: secondsLeft(), until: session.expiresAt?.toISOString(), limit: 'lifetime', initialTimeoutSeconds: session.settings?.initialTimeoutSeconds, exitTimeoutSeconds: session.settings?.exitTimeoutSeconds }));
    status.progress(`session ${session.sessionId} ready, ${Math.ceil(secondsLeft() / 60)} min left`);
  } else {
    status.live('timeLeft', undefined);
    status.progress(undefined);
  }
}

/** The session as it stands, in the live status and the report's `details.session`. */
export function recordSession(context: EnvoyContext, session: SessionState): void {
  showSession(context, session);
  context.recordDetail('session', {
    id: session.sessionId,
    target: session.target?.path,
    topLevelFolder: session.target?.topLevelFolder,
    host: session.host,
    port: session.port,
    backendUrl: session.host && session.port ? backendUrl(session.host, session.port) : undefined,
    url: session.settings ? session.publicUrl : undefined,
    expiresAt: session.expiresAt?.toISOString(),
    endedBy: session.launched ? session.endedBy : undefined,
  });
}

/** The routes written and, once teardown tried, removed or left: the report's `details.routes`. */
export function recordRoutes(context: EnvoyContext, session: SessionState, removal?: Removal): void {
  context.recordDetail('routes', {
    redis: session.settings ? redisLocation(session.config.redisUrl) : undefined,
    written: session.routes?.written ?? [],
    removed: removal?.removed ?? [],
    notRemoved: removal ? removal.notRemoved : (session.routes?.written ?? []),
    ...(removal?.leftToOwner.length ? { leftToOwner: removal.leftToOwner } : {}),
    ...(removal?.error ? { error: removal.error } : {}),
  });
}
