import type { SettingSpec } from '@envoys/envoy-core';
import { benignSevereProblem } from './casa/rules';

/** casa-envoy's settings (SPEC 4.7); CAPO key, environment variable, default. */
export const CASA_SETTINGS: readonly SettingSpec[] = [
  { key: 'envoys.casa.home', env: 'CASA_HOME', type: 'path', description: 'the CASA installation to run' },
  { key: 'envoys.casa.useXvfb', env: 'CASA_USE_XVFB', type: 'boolean', default: false, description: 'wrap CASA in `xvfb-run -a` (CASA versions that need a display)' },
  { key: 'envoys.casa.xvfbRun', type: 'path', default: 'xvfb-run', description: 'the xvfb-run executable' },
  { key: 'envoys.casa.timeoutMinutes', env: 'CASA_TIMEOUT_MINUTES', type: 'number', min: 0, description: 'wall-clock limit of one CASA run, minutes (fractions allowed)' },
  {
    key: 'envoys.casa.benignSevere',
    env: 'CASA_BENIGN_SEVERE',
    type: 'string',
    description: 'regular expressions (separated by " || ") of SEVERE log messages that do not mean failure',
    check: benignSevereProblem,
  },
];
