import { randomBytes } from 'node:crypto';
import { probeHttp, UnavailableError, type PreflightCheck, type PreflightContext } from '@envoys/envoy-core';
import { sessionSettings, type SessionSettings } from '../settings';
import { findBackend } from './backend';
import { probeRouteRights } from './routes';

/**
 * What a node and a site must provide for carta-envoy (CONTRACT 6.2): the settings a session needs, the backend,
 * Redis rights on the route keys, and a proxy base URL that answers (unless envoys.carta.checkProxy is off,
 * as a run then does not check the route through it either).
 */
export function cartaPreflight(context: PreflightContext): PreflightCheck[] {
  let config: SessionSettings;
  try {
    config = sessionSettings(context.settings, context.env);
  } catch (error) {
    // Without them (no proxy base URL) there is nothing more to check: the one problem, once.
    return [{ name: 'settings', run: () => Promise.reject(error) }];
  }
  return [
    { name: 'backend', run: async () => `CARTA backend ${await findBackend(config.backend, context.cwd, context.env['PATH'])}` },
    { name: 'redis', run: () => probeRouteRights(config.redisUrl, config.rootKey, randomBytes(6).toString('hex')) },
    { name: 'proxy', run: () => checkProxy(config, context.signal) },
  ];
}

async function checkProxy(config: SessionSettings, signal: AbortSignal): Promise<string> {
  const base = `${config.proxyBaseUrl}/`;
  if (!config.checkProxy) return `not checked: envoys.carta.checkProxy is false (a session does not check its route through ${base} either)`;
  const outcome = await probeHttp(base, { method: 'GET', attemptMs: config.proxyCheckMs, signal });
  if ('error' in outcome) {
    throw new UnavailableError(
      `the proxy base URL ${base} does not answer: ${outcome.error} (setting envoys.carta.proxyBaseUrl, CARTA_PROXY_BASE_URL; envoys.carta.checkProxy=false if this node cannot reach it)`,
    );
  }
  // Any answer will do: the proxy's root is often a 404; what matters is that a proxy is there.
  return `the proxy base URL ${base} answers (HTTP ${outcome.status})`;
}
