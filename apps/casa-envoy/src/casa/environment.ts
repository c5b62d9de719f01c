import type { LaunchPlan } from '@envoys/envoy-core';
import type { CasaInstallation } from './casa-home';

export interface CasaLaunchInput {
  readonly installation: CasaInstallation;
  /** The corrected RootDirectory: the parent of the processing directory's real path. */
  readonly rootDirectory: string;
  readonly workingDir: string;
  readonly useXvfb: boolean;
  readonly xvfbRun: string;
  readonly timeoutMs?: number;
}

/**
 * The CASA call of CONTRACT 4.7. PYTHONPATH is removed: the envoy's environment must not leak into CASA's own
 * bundled Python, which breaks in confusing ways when it imports the wrong packages.
 */
export function casaLaunchPlan(input: CasaLaunchInput): LaunchPlan {
  const casa = [input.installation.casa, '--nogui', '--nologger', '--log2term', '--agg', '-c', input.installation.runner, 'PPR.xml'];
  return {
    argv: input.useXvfb ? [input.xvfbRun, '-a', ...casa] : casa,
    cwd: input.workingDir,
    env: {
      SCIPIPE_ROOTDIR: input.rootDirectory,
      CASA_HOME: input.installation.home,
      PPR_FILENAME: 'PPR.xml',
      LANG: 'en_US.UTF-8',
    },
    unsetEnv: ['PYTHONPATH'],
    ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
  };
}
