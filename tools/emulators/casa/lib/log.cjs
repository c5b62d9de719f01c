// CASA's log: `casa-YYYYMMDD-HHMMSS.log` in the start directory, one tab-separated line per message line
// (`time<TAB>PRIORITY<TAB>ORIGIN<TAB>MESSAGE`); a message of several lines is written as several lines, each
// with the full prefix, the origin followed by `+` from the second on (as real CASA writes them: the real
// logs of apps/casa-envoy/test-casa/fixtures, e.g. a traceback under a SEVERE). Lines are written
// synchronously so that a crash or a signal leaves exactly what was logged up to that moment, as a real
// CASA that dies mid-task does.
const fs = require('node:fs');
const path = require('node:path');
const { logTime, logFileStamp, claimStampedName } = require('./time.cjs');

const { pipelineVersion } = require('./version.cjs');

/** The CASA and pipeline releases emulated (CASA_EMULATOR_PIPELINE_VERSION; main.cjs refuses a bad one). */
function releases(env = process.env) {
  try {
    return pipelineVersion(env);
  } catch {
    return pipelineVersion({});
  }
}

const PRIORITIES = new Set(['SEVERE', 'WARN', 'INFO', 'INFO1', 'INFO2', 'INFO3', 'INFO4', 'INFO5', 'DEBUG1', 'DEBUG2']);

/**
 * Opens the log. `options.logfile` (--logfile) names it explicitly; `options.nologfile` writes none (the
 * lines still go to the terminal with --log2term).
 */
function openLog(cwd, options) {
  let file;
  if (!options.nologfile) {
    file = options.logfile
      ? path.resolve(cwd, options.logfile)
      : claimStampedName(cwd, (when) => `casa-${logFileStamp(when)}.log`, 'file').path;
  }
  const fd = file ? fs.openSync(file, 'a') : undefined;
  const emit = (text) => {
    if (fd !== undefined) fs.writeSync(fd, text);
    if (options.log2term) process.stdout.write(text);
  };
  return {
    file,
    /** One message; its further lines (`continuation`, or the lines of a multi-line message) get `origin+`. */
    write(priority, origin, message, continuation = []) {
      if (!PRIORITIES.has(priority)) throw new Error(`not a CASA priority: ${priority}`);
      const time = logTime();
      const [first, ...rest] = [...message.split('\n'), ...continuation];
      emit(`${time}\t${priority}\t${origin}\t${first}\n${rest.map((line) => `${time}\t${priority}\t${origin}+\t${line}\n`).join('')}`);
    },
    info(origin, message) {
      this.write('INFO', origin, message);
    },
    warn(origin, message) {
      this.write('WARN', origin, message);
    },
  };
}

/** The lines every CASA start writes first. */
function writeBanner(log, casaHome) {
  const { casa, pipeline } = releases();
  log.info('casa::::casa', `CASA Version ${casa}   (Pipeline ${pipeline})`);
  log.info('casa::::casa', `Tables used by CASA are in ${casaHome}/data`);
}

module.exports = { openLog, writeBanner, releases };
