import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, UnavailableError } from '@envoys/envoy-core';

/** What the launch needs from a CASA installation. */
export interface CasaInstallation {
  readonly home: string;
  readonly casa: string;
  readonly runner: string;
}

/** The pipeline's runner script by telescope (SPEC 4.7): VLA and EVLA use the VLA pipeline, ALMA the other. */
export function runnerName(telescope: string | undefined): string {
  const name = (telescope ?? '').trim().toUpperCase();
  if (name === 'VLA' || name === 'EVLA') return 'runvlapipeline.py';
  if (name === 'ALMA') return 'runpipeline.py';
  throw new InvalidInputError(
    telescope
      ? `telescope "${telescope}" has no CASA pipeline runner (VLA, EVLA or ALMA expected; from metadata projectMetadata.telescope or PPR ProjectSummary/Telescope)`
      : 'no telescope: neither metadata projectMetadata.telescope nor PPR ProjectSummary/Telescope names one',
  );
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
 * Finds CASA and the pipeline runner (SPEC 4.7). Anything missing is "unavailable" (69), naming what was
 * looked for and where, so an operator can fix the node's installation without reading code.
 */
export async function locateCasa(home: string | undefined, telescope: string | undefined): Promise<CasaInstallation> {
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
  const name = runnerName(telescope);
  const candidates = await runnerCandidates(home, name);
  for (const candidate of candidates) if (await isFile(candidate)) return { home, casa, runner: candidate };
  throw new UnavailableError(`pipeline runner ${name} not found in CASA_HOME ${home}`, candidates.map((path) => `looked for ${path}`));
}
