// Where the pipeline looks for things. It never changes directory: the context and the weblog go into the
// current directory, products into `../products` from there, and only the data and the errorexit marker
// are found through `$SCIPIPE_ROOTDIR/<RelativePath>/{rawdata,working}` (executeppr.py, executevlappr.py).
// os.path.join of a RelativePath that castType made a number, a boolean or a list raises TypeError.
const fs = require('node:fs');
const path = require('node:path');
const { PyError, pathJoin, str } = require('./python.cjs');

/** The working and raw data directories as executeppr computes them (strings as Python has them). */
function pipelineDirectories(relativePath, env, cwd, version) {
  if (!('SCIPIPE_ROOTDIR' in env) && version.rootdirFallback) {
    return { workingDir: path.resolve(cwd, '..', 'working'), rawDir: path.resolve(cwd, '..', 'rawdata') };
  }
  // os.path.expandvars leaves an unset variable's reference as it is.
  const root = str('SCIPIPE_ROOTDIR' in env ? env.SCIPIPE_ROOTDIR : '$SCIPIPE_ROOTDIR');
  return {
    workingDir: pathJoin(root, relativePath, str('working')),
    rawDir: pathJoin(root, relativePath, str('rawdata')),
  };
}

/** utils.write_errorexit_file: an empty marker in `dir` (the current directory when None or ""). */
function writeErrorExit(dir, cwd, stamp) {
  const name = `errorexit-${stamp}.txt`;
  const file = path.resolve(cwd, dir ? path.join(dir, name) : name);
  try {
    fs.writeFileSync(file, '');
  } catch (error) {
    throw new PyError(error.code === 'ENOENT' ? 'FileNotFoundError' : 'OSError', `[Errno ${error.errno === undefined ? 2 : -error.errno}] ${error.code === 'ENOENT' ? 'No such file or directory' : error.message}: '${dir ? path.join(dir, name) : name}'`);
  }
  return file;
}

/** The import step: every data set named by the PPR must be in the raw data directory. */
function checkRawData(rawDir, cwd, names) {
  for (const name of names) {
    const file = path.join(rawDir, name);
    if (!fs.existsSync(path.resolve(cwd, file))) throw new PyError('OSError', `Visibility data set ${file} not found`);
  }
}

/** A restore reads the calibration the envoy extracted into products/; an empty products/ fails. */
function checkRestoreInputs(productsDir) {
  const entries = fs.existsSync(productsDir) ? fs.readdirSync(productsDir) : [];
  if (entries.length === 0) throw new PyError('OSError', `No calibration products found in ${productsDir}`);
  return entries;
}

module.exports = { pipelineDirectories, writeErrorExit, checkRawData, checkRestoreInputs };
