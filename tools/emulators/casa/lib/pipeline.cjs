// The pipeline's executeppr as the runner script calls it, following the real control flow of
// executevlappr.py (runvlapipeline.py) and executeppr.py (runpipeline.py):
// - everything up to the context is in one `try`: a PPR the reader cannot read, or a RelativePath that is not
//   a str, is caught: a traceback on stdout and as INFO in the log, an empty errorexit marker (in the
//   current directory, the working directory not being known yet), and a normal return: CASA exits 0;
// - the checks after it (empty relative path, no ASDM, no command) write the marker into the computed working
//   directory and return; when that directory does not exist, writing the marker raises;
// - a value that is not a str where the code adds it to a str (a ProjectSummary field, a data set name)
//   raises TypeError outside any `try`;
// - a failing stage: the VLA runner writes the marker and returns; the ALMA runner also copies the marker and
//   the weblog into products (export_on_exception) and raises PipelineException.
// Whatever escapes executeppr reaches CASA, which prints the traceback and exits 1 (see main.cjs).
const fs = require('node:fs');
const path = require('node:path');
const { readFirstRequest } = require('./ppr.cjs');
const { PyError, concat, pathJoin, pyRepr, pyStr, str } = require('./python.cjs');
const { pipelineDirectories, writeErrorExit, checkRawData, checkRestoreInputs } = require('./locate.cjs');
const tasks = require('./tasks.cjs');
const { createWeblog } = require('./weblog.cjs');
const { exportProducts, partialProducts, restoreInWorking } = require('./products.cjs');
const { writeTgz } = require('./archive.cjs');
const scenarios = require('./scenarios.cjs');
const { pipelineStamp } = require('./time.cjs');

const ORIGIN = 'casa::::casa';

/** Which module's executeppr the runner script calls. */
function readerFor(runner) {
  return path.basename(runner) === 'runvlapipeline.py' ? 'vla' : 'alma';
}

function tracebackLines(error, module) {
  return [
    'Traceback (most recent call last):',
    `  File "pipeline/infrastructure/${module}.py", line 60, in executeppr`,
    `${error.pythonType}: ${error.message}`,
  ];
}

/** The `except Exception:` of executeppr's first `try`. */
function reportCaught(log, error, pprFile, module) {
  const traceback = tracebackLines(error, module);
  process.stdout.write(`${traceback.join('\n')}\n`);
  log.info(ORIGIN, 'Beginning pipeline run ...');
  log.info(ORIGIN, `For processing request: ${pprFile}`);
  log.write('INFO', ORIGIN, traceback[0], traceback.slice(1));
  log.info(ORIGIN, 'Terminating procedure execution ...');
}

/** The emulator's view of the request once read: plain strings for the modules that write products. */
function plainRequest(request) {
  const telescope = request.info.find((entry) => entry.key === 'telescope')?.value;
  return {
    telescope: telescope ? pyStr(telescope) : undefined,
    procedureTitle: pyStr(request.procedureName),
    // ProcessingIntents as the runner's intentsDict: castType'd values (SPECTRAL_MODE true is a bool).
    intents: Object.fromEntries(request.intents.map((intent) => [pyStr(intent.keyword), intent.value.type === 'bool' ? intent.value.value : pyStr(intent.value)])),
    commands: request.commands.map((command) => ({
      name: pyStr(command.name),
      parameters: command.parameters.map((parameter) => ({ keyword: pyStr(parameter.keyword), value: pyStr(parameter.value) })),
    })),
    sdmIdentifiers: request.asdms.map((asdm) => pyStr(asdm)),
  };
}

/** The import and restore stages need their data; the stage warns before the exception ends the run. */
function checkStageInputs(run, command) {
  try {
    if (tasks.isImport(command)) checkRawData(run.dirs.rawDir, run.cwd, run.ppr.sdmIdentifiers);
    if (tasks.isRestore(command)) run.restoredFrom = checkRestoreInputs(run.dirs.productsDir);
  } catch (error) {
    if (error instanceof PyError) run.log.warn(tasks.origin(command), error.message);
    throw error;
  }
}

/**
 * Runs one stage: `Executing command ...`, its parameters, the stage's checks and messages, the scenario's
 * failure if this is its stage, `Results ...`. A breakpoint command and Hanning in SPECTRAL_MODE are skipped
 * with the runners' messages (executevlappr.py :166-190, executeppr.py :240-263).
 */
async function runStage(run, command, index, parameters) {
  const { log, scenario, ppr, dirs } = run;
  const ctx = { sdmIdentifiers: ppr.sdmIdentifiers, productsDir: dirs.productsDir };
  const skip = tasks.skipMessage(command, ppr.intents, run.reader);
  if (skip && command.name === 'breakpoint') {
    log.info(tasks.origin(command), skip);
    return;
  }
  tasks.beginTask(log, command, ctx);
  for (const parameter of parameters) log.info(tasks.origin(command), `${concat('    Parameter: ', parameter.keyword)} = ${pyRepr(parameter.value)}`);
  if (skip) {
    log.info(tasks.origin(command), skip);
    return;
  }
  checkStageInputs(run, command);
  tasks.writeTaskBody(log, command, ctx);
  if (index === run.failingStage) {
    const outcome = await scenarios.fail(scenario, { log, command, record: run.record });
    if (outcome === 'errorexit') throw new PyError('RuntimeError', `Stage ${index + 1} (${command.name}) failed`);
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
  if (run.mode === 'restore' && !command) {
    // hifv_restoredata writes the restored MS into working/ and nothing into products/ unless the PPR also
    // exports (REAL_PIPELINE: what a run leaves).
    restoreInWorking(run);
    run.exported = true;
    return;
  }
  const stages = command ? run.stages.concat({ name: command.name, status: 'completed' }) : run.stages;
  run.weblog.render(stages, 'completed');
  const written = exportProducts(run.mode, { ...run, stages: run.ppr.commands });
  for (const name of written) run.log.info(command ? tasks.origin(command) : ORIGIN, `Exported ${name}`);
  run.exported = true;
}

/** executeppr.py's export_on_exception: the marker and the weblog go to products even when a stage failed. */
function exportOnException(run, marker) {
  fs.mkdirSync(run.dirs.productsDir, { recursive: true });
  if (fs.existsSync(marker)) fs.copyFileSync(marker, path.join(run.dirs.productsDir, path.basename(marker)));
  run.weblog.render(run.stages, 'failed');
  writeTgz(path.join(run.dirs.productsDir, 'weblog.tgz'), run.cwd, [path.join(run.weblog.name, 'html')]);
}

/** A stage raised: the `except Exception:` around each stage of the two runners. */
function stageFailed(run, command, error) {
  const { log, reader, module } = run;
  log.info(tasks.origin(command), `Unhandled error in ${module} while running pipeline task ${command.name}`);
  const traceback = tracebackLines(error, module);
  log.write('INFO', tasks.origin(command), traceback[0], traceback.slice(1));
  const marker = writeErrorExit(run.workingDir, run.cwd, pipelineStamp(new Date()));
  if (reader === 'alma') {
    exportOnException(run, marker);
    log.info(ORIGIN, 'Terminating procedure execution ...');
    throw new PyError('pipeline.infrastructure.exceptions.PipelineException', traceback.join('\n'));
  }
}

/** The checks executeppr makes after its `try`, each ending the run with a marker in the working directory. */
function requestUsable(log, request, workingDir, cwd) {
  const problem =
    request.relativePath.type === 'str' && request.relativePath.value === ''
      ? '    Undefined relative data path'
      : request.asdms.length < 1
        ? '    Empty ASDM list'
        : request.commands.length < 1
          ? '    Empty commands list'
          : undefined;
  if (!problem) return true;
  log.info(ORIGIN, problem);
  log.info(ORIGIN, 'Terminating pipeline execution ...');
  writeErrorExit(workingDir, cwd, pipelineStamp(new Date()));
  return false;
}

/**
 * The whole pipeline run. Resolves when executeppr returns (successfully or after a caught failure); rejects
 * with PyError when an exception escapes it.
 */
async function executePpr({ log, pprFile, runner, env, cwd, scenario, record, version }) {
  const reader = readerFor(runner);
  const module = reader === 'vla' ? 'executevlappr' : 'executeppr';
  // The runner reads the PPR argument before calling executeppr: none is an IndexError no one catches.
  if (!pprFile) throw new PyError('IndexError', 'list index out of range');
  let workingDir; // None until the directories are known
  let request;
  let dirs;
  log.info(ORIGIN, 'Analyzing pipeline processing request ...');
  try {
    request = readFirstRequest(path.resolve(cwd, pprFile), reader, version);
    dirs = pipelineDirectories(request.relativePath, env, cwd, version);
    workingDir = dirs.workingDir;
  } catch (error) {
    if (!(error instanceof PyError)) throw error;
    reportCaught(log, error, pprFile, module);
    writeErrorExit(workingDir, cwd, pipelineStamp(new Date()));
    return;
  }
  log.info(ORIGIN, 'Beginning pipeline run ...');
  log.info(ORIGIN, `For processing request: ${pprFile}`);
  if (!requestUsable(log, request, workingDir, cwd)) return;

  log.info(ORIGIN, 'Project summary');
  for (const entry of request.info) log.info(ORIGIN, concat(`    ${entry.prompt}`, entry.value));
  log.info(ORIGIN, 'Project structure');
  for (const entry of request.structure) log.info(ORIGIN, concat(`    ${entry.prompt}`, entry.value));
  log.info(ORIGIN, 'Directory structure');
  log.info(ORIGIN, `    Working directory: ${dirs.workingDir}`);
  log.info(ORIGIN, `    Raw data directory: ${dirs.rawDir}`);
  log.info(ORIGIN, `Number of ASDMs: ${request.asdms.length}`);
  for (const asdm of request.asdms) {
    pathJoin(str(dirs.rawDir), asdm);
    log.info(ORIGIN, concat('    Session: session_1  ASDM: ', asdm));
  }
  log.info(ORIGIN, 'Starting procedure execution ...');
  log.info(ORIGIN, concat('Procedure name: ', request.procedureName));

  const ppr = plainRequest(request);
  const run = {
    log,
    scenario,
    record,
    ppr,
    reader,
    module,
    cwd,
    workingDir,
    // The context and the weblog are in the current directory; products go to ../products from there.
    dirs: { workingDir: cwd, rawDir: dirs.rawDir, productsDir: path.resolve(cwd, '..', 'products') },
    stages: [],
    mode: tasks.classifyRun(ppr.commands),
    failed: false,
  };
  run.failingStage = scenario.failure || scenario.handledSevere ? scenarios.failingStage(ppr.commands.length) : -1;
  run.weblog = createWeblog(cwd, ppr);
  for (const [index, command] of request.commands.entries()) {
    concat('Executing command ...', command.name);
    const stage = ppr.commands[index];
    try {
      await runStage(run, stage, index, command.parameters);
    } catch (error) {
      if (!(error instanceof PyError)) throw error;
      stageFailed(run, stage, error);
      break;
    }
    run.stages.push({ name: stage.name, status: run.failed ? 'failed' : 'completed' });
    run.weblog.render(run.stages, run.failed ? 'failed' : 'running');
    if (run.failed) break;
  }
  finish(run);
}

/** After the last stage: products if no export stage ran, and the closing lines. */
function finish(run) {
  if (run.failed) {
    partialProducts({ ...run, stages: run.ppr.commands.slice(0, run.stages.length) });
  } else if (run.stages.length === run.ppr.commands.length) {
    if (run.scenario.benignSevere) scenarios.writeBenignSevere(run.log);
    exportStage(run); // a procedure without an export stage still leaves its products (documented)
    run.weblog.render(run.stages, 'completed');
  }
  run.log.info(ORIGIN, 'Terminating procedure execution ...');
}

module.exports = { executePpr, readerFor };
