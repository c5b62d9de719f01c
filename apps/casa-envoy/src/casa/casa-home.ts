import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '@envoys/envoy-core';
import { RUNNER_SCRIPTS, type PipelineReader } from '@envoys/ppr-audit';

/** What the launch needs from a CASA installation. */
export interface CasaInstallation {
  readonly home: string;
  readonly casa: string;
  readonly runner: string;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** The places a CASA installation keeps the pipeline (monolithic CASA 6 tarball, or a pip-style layout). */
async function runnerCandidates(home: string, runner: string): Promise<string[]> {
  const candidates = [join(home, 'pipeline', 'pipeline', runner)];
  const pyLib = join(home, 'lib', 'py', 'lib');
  const pythons = (await readdir(pyLib).catch(() => [] as string[])).filter((name) => name.startsWith('python3')).sort();
  for (const python of pythons) candidates.push(join(pyLib, python, 'site-packages', 'pipeline', runner));
  return candidates;
}

/**
 * Finds CASA and the runner of the pipeline reader the PPR was audited for (CONTRACT 4.7). Anything missing is "unavailable" (69), naming what was
 * looked for and where, so an operator can fix the node's installation without reading code.
 */
export async function locateCasa(home: string | undefined, reader: PipelineReader): Promise<CasaInstallation> {
  if (!home) throw new UnavailableError('CASA_HOME is not set (setting envoys.casa.home): no CASA installation to run');
  const homeStat = await stat(home).catch(() => undefined);
  if (!homeStat?.isDirectory()) throw new UnavailableError(`CASA_HOME ${home} is not a directory`);
  const casa = join(home, 'bin', 'casa');
  if (!(await isFile(casa))) throw new UnavailableError(`CASA executable not found: ${casa}`);
  try {
    await access(casa, constants.X_OK);
  } catch {
    throw new UnavailableError(`CASA executable is not executable: ${casa}`);
  }
  const name = RUNNER_SCRIPTS[reader];
  const candidates = await runnerCandidates(home, name);
  for (const candidate of candidates) if (await isFile(candidate)) return { home, casa, runner: candidate };
  throw new UnavailableError(`pipeline runner ${name} not found in CASA_HOME ${home}`, candidates.map((path) => `looked for ${path}`));
}
