// CASA's start-up as the envoy sees it: parse the command line, open the log, run the -c script (here: the
// emulated pipeline) and exit 0 whatever the pipeline did. Only CASA-level trouble (bad flags, a script that
// cannot be run, a crash) gives a non-zero status.
const path = require('node:path');
const { parseArgs, UsageError, USAGE } = require('./args.cjs');
const { openRecord } = require('./record.cjs');
const { openLog, writeBanner } = require('./log.cjs');
const { pipelineVersion, VersionError } = require('./version.cjs');
const { PyError } = require('./python.cjs');
const { resolveRunner, RunnerError } = require('./runner.cjs');
const { scenarioFromEnv, ignoreTerminationSignals, ScenarioError } = require('./scenarios.cjs');
const { executePpr } = require('./pipeline.cjs');

/** Ends the process with `status` after printing `message` (if any) to stderr. */
function exitWith(status, message) {
  if (message) process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  process.exitCode = status;
  return status;
}

function parseOrExplain(argv) {
  try {
    return parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    exitWith(1, `${USAGE}\ncasa: error: ${error.message}`);
    return undefined;
  }
}

/**
 * `casaHome` is the installation the user called (the directory above the bin/casa that was invoked, links
 * not resolved), as CASA reports it in its first log lines.
 */
async function main({ argv, env, cwd, casaHome }) {
  const args = parseOrExplain(argv);
  if (!args) return process.exitCode;
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return exitWith(0);
  }
  let scenario;
  let version;
  try {
    scenario = scenarioFromEnv(env);
    version = pipelineVersion(env);
  } catch (error) {
    if (error instanceof ScenarioError || error instanceof VersionError) return exitWith(1, `casa emulator: ${error.message}`);
    throw error;
  }
  if (args.version) {
    process.stdout.write(`CASA ${version.casa} (Pipeline ${version.pipeline})\n`);
    return exitWith(0);
  }
  // Stubborn before anything is recorded: a test that has seen the record may already be signalling.
  if (scenario.stubborn) ignoreTerminationSignals();
  const record = openRecord(env, cwd, { argv: process.argv.slice(1), cwd, env: { ...env }, pid: process.pid, scenario: scenario.name, startedAt: new Date().toISOString() });
  if (!args.script) return exitWith(1, 'casa emulator: interactive CASA sessions are not emulated; give -c <script>');
  if (scenario.nolog) {
    // CASA started, printed its greeting and never got as far as its log (e.g. an unwritable directory).
    process.stdout.write(`CASA ${version.casa} -- Common Astronomy Software Applications\n`);
    return exitWith(0);
  }
  const log = openLog(cwd, { logfile: args.values.logfile, nologfile: args.flags.nologfile, log2term: args.flags.log2term });
  record.update({ logFile: log.file });
  writeBanner(log, casaHome);
  let runner;
  try {
    runner = resolveRunner(args.script, cwd);
  } catch (error) {
    if (error instanceof RunnerError) return exitWith(1, error.message);
    throw error;
  }
  // The runners read casashell.argv[argv.index('-c') + 2]: the first argument after the script.
  const pprFile = args.scriptArgs[0];
  try {
    await executePpr({ log, pprFile, runner, env, cwd, scenario, record, version });
  } catch (error) {
    if (!(error instanceof PyError)) throw error;
    // An exception that escapes the runner script: CASA prints the traceback and exits 1.
    return exitWith(1, ['Traceback (most recent call last):', `  File "${runner}", line 20, in <module>`, `${error.pythonType}: ${error.message}`].join('\n'));
  }
  return exitWith(0);
}

/** Entry point for bin/casa. */
function run() {
  const casaHome = path.resolve(path.dirname(process.argv[1]), '..');
  main({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), casaHome }).catch((error) => {
    exitWith(1, `casa emulator: internal error: ${error.stack ?? error}`);
  });
}

module.exports = { main, run };
