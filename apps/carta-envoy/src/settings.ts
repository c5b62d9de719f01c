import { durationMs, type SettingSpec, type Settings } from '@envoys/envoy-core';

// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days): every duration here stays below that.
const MAX_MINUTES = 35_000;

/** carta-envoy's settings (SPEC 6.2, plus the two an operator needs to tune the ends of a session). */
export const CARTA_SETTINGS: readonly SettingSpec[] = [
  { key: 'envoys.carta.backend', env: 'CARTA_BACKEND', type: 'path', default: 'carta_backend', description: 'the CARTA backend executable' },
  { key: 'envoys.carta.timeoutMinutes', env: 'CARTA_TIMEOUT_MINUTES', type: 'number', min: 0, max: MAX_MINUTES, default: 60, description: 'session lifetime, minutes' },
  { key: 'envoys.carta.readyTimeoutSeconds', type: 'number', min: 0, max: 86_400, default: 60, description: 'how long the backend may take to answer' },
  { key: 'envoys.carta.redisUrl', env: 'CARTA_REDIS_URL', type: 'url', protocols: ['redis:', 'rediss:'], default: 'redis://127.0.0.1:6379', secret: false, description: 'the Redis that Traefik reads' },
  { key: 'envoys.carta.proxyBaseUrl', env: 'CARTA_PROXY_BASE_URL', type: 'url', protocols: ['http:', 'https:'], description: 'public base URL of the reverse proxy' },
  { key: 'envoys.carta.notifyUrl', env: 'CARTA_NOTIFY_URL', type: 'url', protocols: ['http:', 'https:'], description: 'endpoint of the workflow system for session events' },
  { key: 'envoys.carta.host', type: 'string', description: "host name the proxy uses to reach the backend (default: the node's FQDN)" },
  {
    key: 'envoys.carta.idleTimeoutSeconds',
    env: 'CARTA_IDLE_TIMEOUT_SECONDS',
    type: 'number',
    min: 1,
    max: MAX_MINUTES * 60,
    description: 'passed to the backend as --idle_timeout, so it ends the session early when nobody uses it (default: not passed)',
  },
  {
    key: 'envoys.carta.teardownSeconds',
    env: 'CARTA_TEARDOWN_SECONDS',
    type: 'number',
    min: 0,
    max: 3600,
    default: 20,
    description: 'how long teardown keeps retrying an unreachable Redis to remove the routes',
  },
];

/** The settings of one session, read and checked once (a missing proxy base URL is exit 65 naming the key). */
export interface SessionSettings {
  readonly backend: string;
  readonly lifetimeMs: number;
  readonly readyTimeoutMs: number;
  readonly redisUrl: string;
  /** Without trailing slashes, so `${proxyBaseUrl}/carta/<ID>/` never has a double slash. */
  readonly proxyBaseUrl: string;
  readonly notifyUrl: string | undefined;
  readonly host: string | undefined;
  readonly idleTimeoutSeconds: number | undefined;
  readonly teardownMs: number;
  readonly graceMs: number;
}

export function sessionSettings(settings: Settings): SessionSettings {
  const idle = settings.optionalNumber('envoys.carta.idleTimeoutSeconds');
  const host = settings.optionalString('envoys.carta.host')?.trim();
  return {
    backend: settings.string('envoys.carta.backend'),
    lifetimeMs: durationMs(settings, 'envoys.carta.timeoutMinutes', 'minutes') ?? 3_600_000,
    readyTimeoutMs: durationMs(settings, 'envoys.carta.readyTimeoutSeconds', 'seconds') ?? 60_000,
    redisUrl: settings.string('envoys.carta.redisUrl'),
    proxyBaseUrl: settings.string('envoys.carta.proxyBaseUrl').replace(/\/+$/, ''),
    notifyUrl: settings.optionalString('envoys.carta.notifyUrl'),
    host: host === '' ? undefined : host,
    // CARTA takes whole seconds; rounding up never ends a session earlier than asked.
    idleTimeoutSeconds: idle === undefined ? undefined : Math.ceil(idle),
    teardownMs: durationMs(settings, 'envoys.carta.teardownSeconds', 'seconds') ?? 20_000,
    graceMs: durationMs(settings, 'envoys.graceSeconds', 'seconds') ?? 30_000,
  };
}
