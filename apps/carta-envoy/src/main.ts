import { runEnvoy, type EnvoyDefinition } from '@envoys/envoy-core';
// The envoy's release version: apps/carta-envoy/package.json's, written by `nx release`.
import { version } from '../package.json';
import { CARTA_SETTINGS } from './settings';
import { folder } from './launchers/folder';
import { single } from './launchers/single';
import { removeRoutesAfterDeath } from './session/at-death';

// carta-envoy: one CARTA session for one user, routed through the site's Traefik (SPEC 6).
const cartaEnvoy: EnvoyDefinition = {
  cli: {
    envoy: 'carta-envoy',
    version,
    summary: 'Starts a CARTA server for one session, routes it through Traefik (via Redis), and tears it down afterwards.',
    modes: [
      { name: 'single', flag: '--single', args: ['IMAGE'], description: 'view one image (FITS file or CASA/MIRIAD image directory)' },
      { name: 'folder', flag: '--folder', args: ['DIR'], description: 'browse a directory of images' },
    ],
    options: [
      {
        flag: '--session-id',
        value: 'ID',
        description: 'identifies the session (letters, digits, - and _)',
        pattern: /^[A-Za-z0-9_-]{1,128}$/,
        patternHint: 'only letters, digits, - and _ are allowed',
        requiredFor: ['single', 'folder'],
      },
    ],
    epilogue: [
      'Settings (CAPO key, environment variable): envoys.carta.backend (CARTA_BACKEND), envoys.carta.timeoutMinutes',
      '  (CARTA_TIMEOUT_MINUTES), envoys.carta.readyTimeoutSeconds, envoys.carta.redisUrl (CARTA_REDIS_URL),',
      '  envoys.carta.proxyBaseUrl (CARTA_PROXY_BASE_URL), envoys.carta.notifyUrl (CARTA_NOTIFY_URL), envoys.carta.host,',
      '  envoys.carta.idleTimeoutSeconds (CARTA_IDLE_TIMEOUT_SECONDS), envoys.carta.teardownSeconds (CARTA_TEARDOWN_SECONDS),',
      '  envoys.carta.initialTimeoutSeconds (CARTA_INITIAL_TIMEOUT_SECONDS), envoys.carta.exitTimeoutSeconds (CARTA_EXIT_TIMEOUT_SECONDS),',
      '  envoys.carta.proxyHost (CARTA_PROXY_HOST), envoys.carta.entrypoints (CARTA_ENTRYPOINTS), envoys.carta.routerPriority',
      '  (CARTA_ROUTER_PRIORITY), envoys.carta.rootKey (CARTA_ROOT_KEY), envoys.carta.backendPorts (CARTA_BACKEND_PORTS),',
      '  envoys.carta.checkProxy (CARTA_CHECK_PROXY), envoys.carta.proxyCheckSeconds, envoys.carta.ompThreads (CARTA_OMP_THREADS),',
      '  envoys.carta.frontendFolder (CARTA_FRONTEND_FOLDER), envoys.carta.backendArgs (CARTA_BACKEND_ARGS).',
      'Events (every envoy): envoys.events.url (ENVOY_EVENTS_URL), envoys.events.amqpUrl (ENVOY_EVENTS_AMQP_URL),',
      '  envoys.events.exchange (ENVOY_EVENTS_EXCHANGE), envoys.events.timeoutSeconds (ENVOY_EVENTS_TIMEOUT_SECONDS).',
      'Exit: 0 lifetime over, or the backend ended by itself with 0 (nobody opened the session, the browser left);',
      '  65/66 bad input; 69 backend, Redis, notify endpoint or a free port unavailable, or the proxy does not route to the',
      '  backend; 70 backend failed (exit status, signal, no page in time); 128+N stopped by signal N.',
    ].join('\n'),
  },
  settings: CARTA_SETTINGS,
  workDir: () => '.',
  launchers: { single, folder },
  // SIGKILL of the envoy: the watchdog stops the backend and runs this to remove the session's routes.
  atDeath: removeRoutesAfterDeath,
};

void runEnvoy(cartaEnvoy).then((code) => process.exit(code));
