import type { SettingSpec } from '@envoys/envoy-core';

/** carta-envoy's settings (SPEC 6.2). */
export const CARTA_SETTINGS: readonly SettingSpec[] = [
  { key: 'envoys.carta.backend', env: 'CARTA_BACKEND', type: 'path', default: 'carta_backend', description: 'the CARTA backend executable' },
  { key: 'envoys.carta.timeoutMinutes', env: 'CARTA_TIMEOUT_MINUTES', type: 'number', min: 0, default: 60, description: 'session lifetime, minutes' },
  { key: 'envoys.carta.readyTimeoutSeconds', type: 'number', min: 0, default: 60, description: 'how long the backend may take to answer' },
  { key: 'envoys.carta.redisUrl', env: 'CARTA_REDIS_URL', type: 'url', protocols: ['redis:', 'rediss:'], default: 'redis://127.0.0.1:6379', secret: false, description: 'the Redis that Traefik reads' },
  { key: 'envoys.carta.proxyBaseUrl', env: 'CARTA_PROXY_BASE_URL', type: 'url', protocols: ['http:', 'https:'], description: 'public base URL of the reverse proxy' },
  { key: 'envoys.carta.notifyUrl', env: 'CARTA_NOTIFY_URL', type: 'url', protocols: ['http:', 'https:'], description: 'endpoint of the workflow system for session events' },
  { key: 'envoys.carta.host', type: 'string', description: "host name the proxy uses to reach the backend (default: the node's FQDN)" },
];
