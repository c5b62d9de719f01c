// Where the pipeline looks for its data: `$SCIPIPE_ROOTDIR/<RelativePath>/{rawdata,working,products}`. The
// PPR's RootDirectory is not consulted (the VLA pipeline never reads it); a stale RelativePath or a missing
// or wrong SCIPIPE_ROOTDIR therefore sends it to a directory that does not exist.
const fs = require('node:fs');
const path = require('node:path');
const { PipelineError } = require('./errors.cjs');

function realOrUndefined(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/** Returns the pipeline's directories, or throws PipelineError as executeppr would. */
function locateDirectories(ppr, env, cwd) {
  const rootDir = env.SCIPIPE_ROOTDIR;
  if (!rootDir) throw new PipelineError('SCIPIPE_ROOTDIR environment variable not defined', 'KeyError');
  const processingDir = path.join(rootDir, ppr.relativePath);
  const workingDir = path.join(processingDir, 'working');
  const realWorking = realOrUndefined(workingDir);
  if (!realWorking) throw new PipelineError(`[Errno 2] No such file or directory: '${workingDir}'`, 'FileNotFoundError');
  // The real pipeline would chdir there and carry on in someone else's directory; the emulator refuses,
  // because a run outside the envoy's working/ is exactly the mistake tests must be able to see.
  if (realWorking !== realOrUndefined(cwd)) {
    throw new PipelineError(`working directory ${workingDir} is not the directory CASA was started in (${cwd})`, 'RuntimeError');
  }
  return {
    processingDir,
    workingDir: realWorking,
    rawDir: path.join(processingDir, 'rawdata'),
    productsDir: path.join(processingDir, 'products'),
  };
}

/** The import step: every SDM named by the PPR must be in rawdata/. */
function checkRawData(dirs, sdmIdentifiers) {
  for (const sdm of sdmIdentifiers) {
    const sdmPath = path.join(dirs.rawDir, sdm);
    if (!fs.existsSync(sdmPath)) throw new PipelineError(`Visibility data set ${sdmPath} not found`, 'IOError');
  }
}

/** hifv_restoredata reads the calibration the envoy extracted into products/; an empty products/ fails. */
function checkRestoreInputs(dirs) {
  const entries = fs.existsSync(dirs.productsDir) ? fs.readdirSync(dirs.productsDir) : [];
  if (entries.length === 0) throw new PipelineError(`No calibration products found in ${dirs.productsDir}`, 'IOError');
  return entries;
}

module.exports = { locateDirectories, checkRawData, checkRestoreInputs };
