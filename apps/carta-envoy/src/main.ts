import { runEnvoy, type EnvoyDefinition } from '@envoys/envoy-core';
// The envoy's release version: apps/carta-envoy/package.json's, written by `nx release`.
import { version } from '../package.json';
import { CARTA_SETTINGS } from './settings';
import { folder } from './launchers/folder';
import { single } from './launchers/single';
import { removeRoutesAfterDeath } from './session/at-death';
import { cartaPreflight } from './session/preflight';

// carta-envoy: one CARTA session for one user, routed through the site's Traefik (CONTRACT 6).
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
      {
        flag: '--url-file',
        value: 'FILE',
        description: 'without envoys.carta.notifyUrl: write the session URL with its token to FILE (mode 0600) once it is ready',
      },
    ],
    epilogue: [
      'Exit: 0 lifetime over, or the backend ended by itself with 0 (nobody opened the session, the browser left); 2 usage;',
      '  65/66 bad input; 69 backend, Redis, notify endpoint or a free port unavailable, or the proxy does not route to the',
      '  backend; 70 backend failed (exit status, signal, no page in time); 71 internal error; 73 cannot write (--url-file);',
      '  75 another run owns the directory; 128+N stopped by signal N.',
    ].join('\n'),
  },
  settings: CARTA_SETTINGS,
  workDir: () => '.',
  launchers: { single, folder },
  preflight: cartaPreflight,
  // SIGKILL of the envoy: the watchdog stops the backend and runs this to remove the session's routes.
  atDeath: removeRoutesAfterDeath,
};

void runEnvoy(cartaEnvoy).then((code) => process.exit(code));
