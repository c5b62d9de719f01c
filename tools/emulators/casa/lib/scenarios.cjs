// What goes wrong, chosen by CASA_EMULATOR_SCENARIO. Each scenario is a small description; the pipeline asks
// it how to pace its stages and what happens at the stage where things go wrong (the "failing stage").
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { sleep } = require('./time.cjs');
const { origin } = require('./tasks.cjs');

const SCENARIOS = {
  success: {},
  severe: { failure: 'severe' },
  'severe-flagmanager': { benignSevere: true },
  'severe-handled': { handledSevere: true },
  errorexit: { failure: 'errorexit' },
  crash: { failure: 'crash' },
  signal: { failure: 'signal' },
  nolog: { nolog: true },
  noproducts: { noProducts: true },
  hang: { failure: 'hang' },
  'hang-stubborn': { failure: 'hang', stubborn: true },
  slow: { slow: true },
};

class ScenarioError extends Error {}

function parseSeconds(text) {
  if (text === undefined || text === '') return 5;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) throw new ScenarioError(`CASA_EMULATOR_SECONDS is not a number of seconds: '${text}'`);
  return seconds;
}

/** The scenario named by the environment, with its parameters; throws ScenarioError for an unknown name. */
function scenarioFromEnv(env) {
  const name = env.CASA_EMULATOR_SCENARIO || 'success';
  const spec = SCENARIOS[name];
  if (!spec) throw new ScenarioError(`unknown CASA_EMULATOR_SCENARIO '${name}' (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const signal = env.CASA_EMULATOR_SIGNAL || 'SIGKILL';
  if (!(signal in os.constants.signals)) throw new ScenarioError(`CASA_EMULATOR_SIGNAL is not a signal name: '${signal}'`);
  return { name, ...spec, seconds: spec.slow ? parseSeconds(env.CASA_EMULATOR_SECONDS) : 0, signal };
}

/** The stage where a failing scenario fails: half way, but never the import (index 0) when there is more. */
function failingStage(count) {
  return Math.min(count - 1, Math.max(1, Math.floor(count / 2)));
}

/** In `hang-stubborn` CASA itself shrugs off the polite signals. */
function ignoreTerminationSignals() {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => {});
}

/** Spends this stage's share of a slow run, logging progress about once a second. */
async function pace(scenario, log, command, stageCount) {
  if (!scenario.slow) return;
  const totalMs = (scenario.seconds * 1000) / stageCount;
  const tick = Math.min(1000, totalMs);
  for (let spent = 0; spent < totalMs; spent += tick) {
    await sleep(Math.min(tick, totalMs - spent));
    log.info(origin(command), `${command.name}: ${Math.round((Math.min(spent + tick, totalMs) / totalMs) * 100)}% done`);
  }
}

// The pipeline's own messages go through its CASALogHandler: origin `pipeline`, the logger's name as the
// post's origin (pipeline/infrastructure/logging.py :52-102), which CASA writes `pipeline::<name>::casa`.
const BASETASK = 'pipeline::pipeline.infrastructure.basetask::casa';

// A stage whose CASA task raised, as real CASA and the task template log it (the real logs of
// apps/casa-envoy/test-casa/fixtures; pipeline/infrastructure/basetask.py :702-733): CASA's own SEVERE for the
// task, then the template's `Error executing pipeline task <name>.` and the traceback as one SEVERE message,
// its lines continued with `origin+`.
function writeSevere(log, command) {
  const taskModule = command.name.replace(/^[a-z]+_/, '');
  log.write('SEVERE', 'applycal::::casa', 'Task applycal raised an exception of class RuntimeError with the following message: Error in Calibrater::setapply.');
  log.write('SEVERE', BASETASK, `Error executing pipeline task ${command.name}.`);
  log.write('SEVERE', BASETASK, 'Traceback (most recent call last):', [
    '  File "pipeline/infrastructure/basetask.py", line 692, in execute',
    '    result = self.prepare(**parameters)',
    `  File "pipeline/hifv/tasks/${taskModule}/${taskModule}.py", line 211, in prepare`,
    '    self._do_applycal(context, ...)',
    'RuntimeError: Error in Calibrater::setapply.',
  ]);
}

// An error the pipeline handled and went on from (LOG.error, e.g. a weblog renderer failing): a SEVERE message
// of several lines in a run that completes every stage and exports every product.
function writeHandledSevere(log, command) {
  const renderer = 'pipeline::pipeline.infrastructure.renderer.htmlrenderer::casa';
  log.write('SEVERE', renderer, `Error generating weblog for ${command.name}`, [
    'Traceback (most recent call last):',
    '  File "pipeline/infrastructure/renderer/htmlrenderer.py", line 1876, in render',
    '    plots = plotter.plot()',
    'ValueError: cannot plot an empty selection',
  ]);
}

/** The SEVERE line CASA's flagmanager writes in many successful runs (what sites list as benign). */
function writeBenignSevere(log) {
  log.write('SEVERE', 'flagmanager::::casa', "Version name 'Pipeline_Final' does not exist: nothing to restore");
}

function crash(command) {
  process.stderr.write(
    [
      'Traceback (most recent call last):',
      '  File "/opt/casa/lib/py/lib/python3.8/site-packages/casashell/__main__.py", line 361, in <module>',
      '    exec(open(casa["flags"].execute[0]).read(), globals())',
      `  File "pipeline/infrastructure/basetask.py", line 492, in execute`,
      `    ${command.name}.prepare()`,
      'MemoryError: std::bad_alloc',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

/** Starts the mpicasa-like worker and resolves with its PID once it has installed its signal handlers. */
function startWorker(stubborn) {
  const worker = spawn(process.execPath, [path.join(__dirname, 'worker.cjs'), stubborn ? 'stubborn' : 'plain'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve(worker.pid));
  });
}

/**
 * Runs the scenario's failure at the failing stage. Returns 'severe' or 'errorexit' for failures the pipeline
 * survives; crash and signal end the process here; hang never returns.
 */
async function fail(scenario, { log, command, record }) {
  switch (scenario.failure) {
    case 'severe':
      writeSevere(log, command);
      return 'severe';
    case undefined:
      if (scenario.handledSevere) writeHandledSevere(log, command);
      return undefined;
    case 'errorexit':
      return 'errorexit';
    case 'crash':
      return crash(command);
    case 'signal':
      process.kill(process.pid, scenario.signal);
      return new Promise(() => {}); // the signal arrives asynchronously for some signals
    case 'hang': {
      const childPid = await startWorker(scenario.stubborn);
      record.update({ childPid });
      log.info(origin(command), `Started MPI server process ${childPid}`);
      setInterval(() => {}, 1 << 30); // a pending promise alone would not keep Node running
      return new Promise(() => {});
    }
    default:
      return undefined;
  }
}

module.exports = { scenarioFromEnv, failingStage, ignoreTerminationSignals, pace, fail, writeBenignSevere, ScenarioError, SCENARIOS };
