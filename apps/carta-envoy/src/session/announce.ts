import { outputError, UnavailableError, writeFileAtomic, type EnvoyContext } from '@envoys/envoy-core';
import { resolve } from 'node:path';
import { postEvent } from './notify';
import type { SessionState } from './state';

/** CONTRACT 6.3 step 6: the only place the token leaves the envoy. Not delivered is exit 69. */
export async function announceReady(context: EnvoyContext, session: SessionState, ended: AbortSignal): Promise<void> {
  const { notifyUrl } = session.config;
  const { publicUrl } = session;
  const log = context.logger.child('notify');
  const urlFile = context.commandLine.options['--url-file'];
  if (!notifyUrl) {
    if (typeof urlFile === 'string') {
      // For the person who started the session: only they (the file's owner) can read the token.
      const path = resolve(context.cwd, urlFile);
      await writeFileAtomic(path, `${publicUrl}?token=${session.token}\n`, 0o600).catch((error: unknown) => {
        throw outputError(error, `the session URL file ${path}`);
      });
      log.info(`session ready at ${publicUrl}: the URL with its token is in ${path} (mode 0600)`);
    } else {
      log.warn(`session ready at ${publicUrl} (no envoys.carta.notifyUrl: not announced; --url-file FILE hands the URL over)`);
    }
    return;
  }
  if (typeof urlFile === 'string') log.warn(`--url-file ${urlFile} not written: the URL goes to the workflow system (envoys.carta.notifyUrl)`);
  const delivery = await postEvent(
    notifyUrl,
    {
      event: 'carta-ready',
      sessionId: session.requestedId,
      url: session.userUrl,
      expiresAt: session.expiresAt?.toISOString(),
    },
    { tries: 5, firstDelayMs: 250, attemptMs: 5000, signal: ended },
    log,
  );
  session.notifications.push(delivery);
  context.recordDetail('notifications', session.notifications);
  if (delivery.delivered) {
    log.info(`session ready at ${publicUrl} until ${session.expiresAt?.toISOString()}`);
  } else if (!ended.aborted) {
    throw new UnavailableError(
      `the workflow system did not accept the carta-ready notification after ${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}: ${delivery.error}`,
    );
  }
}

/** The carta-ended notification at teardown. Best effort: the session is over whatever the endpoint says. */
export async function announceEnd(context: EnvoyContext, session: SessionState, deadline: number): Promise<void> {
  const notifyUrl = session.settings?.notifyUrl;
  // A session exists once its backend was launched; before that there is nothing to announce the end of.
  if (!session.launched || !notifyUrl) return;
  const log = context.logger.child('teardown');
  const delivery = await postEvent(
    notifyUrl,
    { event: 'carta-ended', sessionId: session.requestedId, reason: session.endedBy, endedAt: new Date().toISOString() },
    { tries: 3, firstDelayMs: 250, attemptMs: 3000, deadline: Math.max(deadline, Date.now() + 1000) },
    log,
  );
  session.notifications.push(delivery);
  context.recordDetail('notifications', session.notifications);
  if (!delivery.delivered) log.warn(`the carta-ended notification was not delivered: ${delivery.error}`);
}
