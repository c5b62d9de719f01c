import { GaveUp, retry, step, UnavailableError, type EnvoyContext, type SetupStep } from '@envoys/envoy-core';
import { sessionSettings } from '../settings';
import type { SessionTarget } from './audit';
import { findBackend } from './backend';
import { nodeFqdn } from './host';
import { recordSession } from './live-status';
import { permanentRedisError, redisLocation, redisReason, withRedis } from './redis';
import type { SessionState } from './state';

/** Checks the mode's argument (IMAGE or DIR) and says what the backend opens. */
export type TargetAudit = (given: string, cwd: string) => Promise<SessionTarget>;

async function auditInputs(context: EnvoyContext, session: SessionState, argument: 'IMAGE' | 'DIR', audit: TargetAudit): Promise<string> {
  const given = context.commandLine.args[argument] ?? '';
  session.target = await audit(given, context.workDir);
  for (const warning of session.target.warnings) context.logger.child('audit').warn(warning);
  session.settings = sessionSettings(context.settings, context.env);
  if (session.sessionId !== session.requestedId) {
    context.logger.child('audit').warn(`session ID ${session.requestedId} is routed as ${session.sessionId}: Traefik does not tell IDs apart by case`);
  }
  if (!session.settings.notifyUrl) {
    context.logger.child('audit').warn('envoys.carta.notifyUrl is not set: nobody will be told the session URL');
  }
  recordSession(context, session);
  return `${session.target.description}; top-level folder ${session.target.topLevelFolder}`;
}

async function locateBackend(context: EnvoyContext, session: SessionState): Promise<string> {
  session.backend = await findBackend(session.config.backend, context.workDir, context.env['PATH']);
  return `CARTA backend ${session.backend}`;
}

async function checkRedis(context: EnvoyContext, session: SessionState): Promise<string> {
  const location = redisLocation(session.config.redisUrl);
  try {
    await retry(() => withRedis(session.config.redisUrl, 3000, (client) => client.ping()), {
      tries: 3,
      firstDelayMs: 250,
      signal: context.signal,
      permanent: permanentRedisError,
    });
  } catch (error) {
    const cause = error instanceof GaveUp ? error.lastError : error;
    throw new UnavailableError(`Redis at ${location} is unreachable: ${redisReason(cause)} (set envoys.carta.redisUrl or CARTA_REDIS_URL)`, [], { cause });
  }
  return `Redis at ${location} answers`;
}

async function pickPort(context: EnvoyContext, session: SessionState): Promise<string> {
  session.host = session.config.host ?? (await nodeFqdn());
  recordSession(context, session);
  const { low, high } = session.config.backendPorts;
  return `the backend picks a free port in ${low}-${high}; the proxy will reach it at ${session.host}`;
}

/** The session's setup steps (CONTRACT 6.3 steps 1-2): the target and settings, the backend, Redis, the host. */
export function sessionSteps(context: EnvoyContext, session: SessionState, argument: 'IMAGE' | 'DIR', audit: TargetAudit): readonly SetupStep[] {
  return [
    step('audit', () => auditInputs(context, session, argument, audit)),
    step('backend', () => locateBackend(context, session)),
    step('redis', () => checkRedis(context, session)),
    step('port', () => pickPort(context, session)),
  ];
}
