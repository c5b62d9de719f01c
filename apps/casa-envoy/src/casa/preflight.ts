import { findExecutable, UnavailableError, type PreflightCheck, type PreflightContext } from '@envoys/envoy-core';
import { RUNNER_SCRIPTS, type PipelineReader } from '@envoys/ppr-audit';
import { locateCasa } from './casa-home';

/**
 * What a node must have for casa-envoy (CONTRACT 4.7): a CASA installation with the pipeline, and xvfb-run when
 * CASA is to run under it. The same functions as the run's locate-casa step, so that both fail alike.
 */
export function casaPreflight(context: PreflightContext): PreflightCheck[] {
  const { settings } = context;
  const checks: PreflightCheck[] = [{ name: 'casa-home', run: () => checkCasaHome(settings.optionalString('envoys.casa.home')) }];
  if (settings.boolean('envoys.casa.useXvfb')) {
    checks.push({
      name: 'xvfb-run',
      run: async () =>
        findExecutable(settings.string('envoys.casa.xvfbRun'), {
          env: context.env,
          cwd: context.cwd,
          what: 'xvfb-run',
          setBy: 'setting envoys.casa.xvfbRun; needed because envoys.casa.useXvfb (CASA_USE_XVFB) is true',
        }),
    });
  }
  return checks;
}

/** CASA and the runner of at least one pipeline reader; which PPR a job brings decides which it needs. */
async function checkCasaHome(home: string | undefined): Promise<string> {
  const readers = Object.keys(RUNNER_SCRIPTS) as PipelineReader[];
  const found: string[] = [];
  let first: unknown;
  let casa = '';
  for (const reader of readers) {
    try {
      const installation = await locateCasa(home, reader);
      casa = installation.casa;
      found.push(`${reader} (${installation.runner})`);
    } catch (error) {
      first ??= error;
      // CASA itself missing is the same for every reader: said once.
      if (error instanceof UnavailableError && !/pipeline runner/.test(error.message)) throw error;
    }
  }
  if (found.length === 0) throw first;
  const missing = readers.filter((reader) => !found.some((text) => text.startsWith(reader)));
  return `CASA ${casa}; pipeline runners for ${found.join(', ')}${missing.length > 0 ? `; none for ${missing.join(', ')} (${missing.map((reader) => RUNNER_SCRIPTS[reader]).join(', ')} not found)` : ''}`;
}
