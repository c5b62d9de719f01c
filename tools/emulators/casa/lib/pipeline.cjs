// The pipeline's executeppr, as the runner script would call it: read the PPR, find the directories, run
// the stages in order, export the products. Every error inside is caught the way the real pipeline catches
// it: a traceback on stdout and as INFO in the log, an empty errorexit marker, and a normal return, so that
// CASA exits 0.
const path = require('node:path');
const { readPpr, PprError } = require('./ppr.cjs');
const { XmlError } = require('./xml.cjs');
const { PipelineError } = require('./errors.cjs');
const { locateDirectories, checkRawData, checkRestoreInputs } = require('./locate.cjs');
const tasks = require('./tasks.cjs');
const { createWeblog } = require('./weblog.cjs');
const { exportProducts, partialProducts } = require('./products.cjs');
const scenarios = require('./scenarios.cjs');
const { pipelineStamp, claimStampedName } = require('./time.cjs');

const ORIGIN = 'casa::::casa';

// Which telescopes each runner script serves; a runner not listed here accepts any.
const RUNNER_TELESCOPES = { 'runvlapipeline.py': ['VLA', 'EVLA'], 'runpipeline.py': ['ALMA'] };

function loadPpr(pprFile, cwd) {
  if (!pprFile) throw new PipelineError('no PPR file given to the pipeline runner', 'IndexError');
  try {
    return readPpr(path.resolve(cwd, pprFile));
  } catch (error) {
    if (error.code === 'ENOENT') throw new PipelineError(`[Errno 2] No such file or directory: '${pprFile}'`, 'FileNotFoundError');
    if (error instanceof XmlError) throw new PipelineError(error.message, 'xml.parsers.expat.ExpatError');
    if (error instanceof PprError) throw new PipelineError(error.message, 'AttributeError');
    throw error;
  }
}

function checkRunnerServes(runner, ppr) {
  const served = RUNNER_TELESCOPES[path.basename(runner)];
  if (served && ppr.telescope && !served.includes(ppr.telescope.toUpperCase())) {
    throw new PipelineError(`${path.basename(runner)} cannot process data of telescope ${ppr.telescope}`, 'ValueError');
  }
}

/**
 * The pipeline's own handling of an exception (executeppr's `except` block): the traceback on stdout, the
 * opening lines again and the traceback at INFO in the log, the empty marker file, and a normal return.
 * Nothing louder than INFO (the stage may have warned): a verifier that only looks for SEVERE misses it.
 */
function failQuietly(log, error, pprFile, cwd) {
  const traceback = [
    'Traceback (most recent call last):',
    '  File "pipeline/infrastructure/executevlappr.py", line 120, in executeppr',
    `${error.pythonType}: ${error.message}`,
  ];
  process.stdout.write(`${traceback.join('\n')}\n`);
  log.info(ORIGIN, 'Beginning pipeline run ...');
  log.info(ORIGIN, `For processing request ${pprFile ?? ''}`);
  log.write('INFO', ORIGIN, traceback[0], traceback.slice(1).map((line) => `\t${line}`));
  log.info(ORIGIN, 'Terminating procedure execution ...');
  claimStampedName(cwd, (when) => `errorexit-${pipelineStamp(when)}.txt`, 'file');
}

/** The import and restore stages need their data; the stage warns before the exception ends the run. */
function checkStageInputs(run, command) {
  try {
    if (tasks.isImport(command)) checkRawData(run.dirs, run.ppr.sdmIdentifiers);
    if (tasks.isRestore(command)) run.restoredFrom = checkRestoreInputs(run.dirs);
  } catch (error) {
    if (error instanceof PipelineError) run.log.warn(tasks.origin(command), error.message);
    throw error;
  }
}

/** Runs one stage: Begin, the stage's checks and messages, the scenario's failure if this is its stage, End. */
async function runStage(run, command, index) {
  const { log, scenario, ppr, dirs } = run;
  const ctx = { sdmIdentifiers: ppr.sdmIdentifiers, productsDir: dirs.productsDir };
  tasks.beginTask(log, command, ctx);
  checkStageInputs(run, command);
  tasks.writeTaskBody(log, command, ctx);
  if (index === run.failingStage) {
    const outcome = await scenarios.fail(scenario, { log, command, record: run.record });
    if (outcome === 'errorexit') throw new PipelineError(`Stage ${index + 1} (${command.name}) failed`, 'RuntimeError');
    if (outcome === 'severe') run.failed = true;
  }
  if (!run.failed) await scenarios.pace(scenario, log, command, ppr.commands.length);
  if (tasks.isExport(command) && !run.failed) exportStage(run, command);
  tasks.endTask(log, command);
}

/**
 * Writes the products, once. `command` is the export stage, still running (so the weblog that goes into
 * weblog.tgz already lists it), or undefined for a procedure without an export stage.
 */
function exportStage(run, command) {
  if (run.scenario.noProducts || run.exported) return;
  const stages = command ? run.stages.concat({ name: command.name, status: 'completed' }) : run.stages;
  run.weblog.render(stages, 'completed');
  const written = exportProducts(run.mode, { ...run, stages: run.ppr.commands });
  for (const name of written) run.log.info(command ? tasks.origin(command) : ORIGIN, `Exported ${name}`);
  run.exported = true;
}

/** The whole pipeline run. Resolves when the pipeline returns (successfully or after a quiet failure). */
async function executePpr({ log, pprFile, runner, env, cwd, scenario, record }) {
  try {
    log.info(ORIGIN, 'Beginning pipeline run ...');
    log.info(ORIGIN, `For processing request ${pprFile}`);
    const ppr = loadPpr(pprFile, cwd);
    checkRunnerServes(runner, ppr);
    const dirs = locateDirectories(ppr, env, cwd);
    const run = { log, scenario, record, ppr, dirs, stages: [], mode: tasks.classifyRun(ppr.commands), failed: false };
    run.failingStage = scenario.failure ? scenarios.failingStage(ppr.commands.length) : -1;
    log.info(ORIGIN, `    Processing directory is ${dirs.processingDir}`);
    log.info(ORIGIN, 'Starting procedure execution ...');
    log.info(ORIGIN, `Procedure name: ${ppr.procedureTitle}`);
    run.weblog = createWeblog(dirs.workingDir, ppr);
    for (const [index, command] of ppr.commands.entries()) {
      await runStage(run, command, index);
      run.stages.push({ name: command.name, status: run.failed ? 'failed' : 'completed' });
      run.weblog.render(run.stages, run.failed ? 'failed' : 'running');
      if (run.failed) break;
    }
    finish(run);
  } catch (error) {
    if (!(error instanceof PipelineError)) throw error;
    failQuietly(log, error, pprFile, cwd);
  }
}

/** After the last stage: products if no export stage ran, and the closing lines. */
function finish(run) {
  if (run.failed) {
    partialProducts({ ...run, stages: run.ppr.commands.slice(0, run.stages.length) });
  } else {
    if (run.scenario.benignSevere) scenarios.writeBenignSevere(run.log);
    exportStage(run); // a procedure without an export stage still leaves its products (documented)
    run.weblog.render(run.stages, 'completed');
  }
  run.log.info(ORIGIN, 'Terminating procedure execution ...');
}

module.exports = { executePpr };
