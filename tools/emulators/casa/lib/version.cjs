// The pipeline release the emulator stands in for: `CASA_EMULATOR_PIPELINE_VERSION` (default 2020.1.0.36,
// with CASA 6.1.2.7). What changes with it is what the real code changed:
// - SCIPIPE_ROOTDIR unset: releases from 2024 on (PIPE-2093, February 2024) take `../working` and
//   `../rawdata` from the current directory; earlier ones join the literal text `$SCIPIPE_ROOTDIR` (what
//   os.path.expandvars leaves of an unset variable) and fail.
// - the VLA reader of earlier releases also reads SciPipeRequest/ProjectStructure (any content); the 2024
//   reader no longer does (the release that dropped it is not known here: the emulator ties it to 2024 too).
class VersionError extends Error {}

const DEFAULT_VERSION = '2020.1.0.36';

function pipelineVersion(env) {
  const text = env.CASA_EMULATOR_PIPELINE_VERSION ?? DEFAULT_VERSION;
  const match = /^(\d{4})\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!match) throw new VersionError(`CASA_EMULATOR_PIPELINE_VERSION ${JSON.stringify(text)} is not a pipeline version (like 2020.1.0.36 or 2024.1.0.8)`);
  const year = Number(match[1]);
  return {
    pipeline: text,
    casa: year >= 2024 ? '6.6.1.17' : '6.1.2.7',
    rootdirFallback: year >= 2024,
    readsVlaProjectStructure: year < 2024,
  };
}

module.exports = { pipelineVersion, VersionError, DEFAULT_VERSION };
