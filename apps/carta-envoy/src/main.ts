import { ENVOYS_VERSION, runEnvoy, type EnvoyDefinition } from '@envoys/envoy-core';
import { CARTA_SETTINGS } from './settings';
import { folder } from './launchers/folder';
import { single } from './launchers/single';

// carta-envoy: one CARTA session for one user, routed through the site's Traefik (SPEC 6).
const cartaEnvoy: EnvoyDefinition = {
  cli: {
    envoy: 'carta-envoy',
    version: ENVOYS_VERSION,
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
      '  envoys.carta.proxyBaseUrl (CARTA_PROXY_BASE_URL), envoys.carta.notifyUrl (CARTA_NOTIFY_URL), envoys.carta.host.',
    ].join('\n'),
  },
  settings: CARTA_SETTINGS,
  workDir: () => '.',
  launchers: { single, folder },
};

void runEnvoy(cartaEnvoy).then((code) => process.exit(code));
