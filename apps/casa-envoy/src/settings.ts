import type { SettingSpec } from '@envoys/envoy-core';
import { benignSevereProblem } from './casa/rules';
import { HANDLED_SEVERE_POLICIES } from './casa/verdict';

/** casa-envoy's settings (CONTRACT 4.7); CAPO key, environment variable, default. */
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
  {
    key: 'envoys.casa.handledSevere',
    env: 'CASA_HANDLED_SEVERE',
    type: 'string',
    default: 'fail',
    description: 'a SEVERE message in a run that completed every stage with its products: fail (the run fails) or report (reported, the run succeeds)',
    check: (value) => (HANDLED_SEVERE_POLICIES.includes(String(value) as 'fail') ? undefined : `not one of ${HANDLED_SEVERE_POLICIES.join(', ')}`),
  },
];
