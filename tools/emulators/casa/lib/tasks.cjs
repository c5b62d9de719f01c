// The pipeline tasks named by the PPR's ProcessingCommands: what kind of run they make up, and what each
// writes to the log. The messages are modelled on real pipeline logs; they only need to look the part.

const RESTORE = /restoredata/;
const IMAGING = /makeim|editimlist|makecutout|pbcor|image|img|selfcal/;
const EXPORT = /exportdata/;
const IMPORT = /importdata|restoredata/;

/** calibration | restore | imaging | integrated, from the command names alone. */
function classifyRun(commands) {
  const names = commands.map((c) => c.name);
  const restore = names.some((n) => RESTORE.test(n));
  const imaging = names.some((n) => IMAGING.test(n));
  if (restore && imaging) return 'integrated';
  if (restore) return 'restore';
  if (imaging) return 'imaging';
  return 'calibration';
}

const isExport = (command) => EXPORT.test(command.name);
const isImport = (command) => IMPORT.test(command.name);
const isRestore = (command) => RESTORE.test(command.name);

const origin = (command) => `${command.name}::::casa`;

/** `hifv_flagdata(hm_tbuff='1.5int', ...)`: the call as the pipeline logs it and puts into its scripts. */
function callText(command, sdmIdentifiers) {
  const args = command.parameters.map((p) => `${p.keyword}='${p.value.replace(/'/g, "\\'")}'`);
  if (isImport(command) && args.length === 0) args.push(`vis=[${sdmIdentifiers.map((s) => `'${s}'`).join(', ')}]`, "session=['session_1']");
  if (args.length === 0) args.push("pipelinemode='automatic'");
  return `${command.name}(${args.join(', ')})`;
}

// Per kind of task: [priority, message] pairs written between Begin and End. `ctx` has sdmIdentifiers.
const BODIES = [
  [/importdata/, (ctx) => ctx.sdmIdentifiers.flatMap((s) => [['INFO', `Importing ${s}`], ['INFO', `Creating measurement set ${s}.ms`]])],
  [/restoredata/, (ctx) => [['INFO', 'Restoring calibration from ../products'], ...ctx.sdmIdentifiers.map((s) => ['INFO', `Applying calibration to ${s}.ms`])]],
  [/hanning/, () => [['INFO', 'Hanning smoothing the visibilities']]],
  [/flagdata/, () => [['WARN', 'No template flags file found'], ['INFO', 'Flagging shadowed antennas, zero values and quack']]],
  [/setjy/, () => [['INFO', 'Setting the flux density scale of the amplitude calibrator']]],
  [/priorcals/, () => [['INFO', 'Computing gain curves, opacities and antenna position corrections']]],
  [/finalcals/, () => [['INFO', 'Solving for the final delay, bandpass and gain tables']]],
  [/applycals/, () => [['INFO', 'Applying the final calibration tables']]],
  [/mstransform/, () => [['INFO', 'Splitting the science targets into a new measurement set']]],
  [/makeimlist/, () => [['INFO', 'Building the list of clean targets']]],
  [/makeimages/, () => [['INFO', 'Cleaning the targets'], ['WARN', 'Clean did not reach the threshold in the maximum number of iterations']]],
  [/pbcor/, () => [['INFO', 'Correcting the images for the primary beam']]],
  [/exportdata/, (ctx) => [['INFO', `Exporting pipeline products to ${ctx.productsDir ?? '../products'}`]]],
];

function taskBody(command, ctx) {
  const match = BODIES.find(([pattern]) => pattern.test(command.name));
  return match ? match[1](ctx) : [['INFO', `Running ${command.name}`]];
}

const RULE = '##########################################';

// The CASA tasks a stage calls itself, which log CASA's banner padded to a fixed width (real logs:
// `##### Begin Task: flagdata           #####`); they are not stages of the PPR.
const CASA_TASKS = [
  [/flagdata/, 'flagdata'],
  [/applycal/, 'applycal'],
  [/priorcals/, 'gencal'],
];

function banner(word, name) {
  return `##### ${word} Task: ${name.padEnd(word === 'Begin' ? 18 : 20)} #####`;
}

/**
 * A stage as the runners log it (executevlappr.py :160-192, executeppr.py :237-281): the origin is the
 * command's name, `Executing command ...<name>` (no space after the dots), the parameters by the caller.
 */
function beginTask(log, command) {
  log.info(origin(command), `Executing command ...${command.name}`);
}

function writeTaskBody(log, command, ctx) {
  const casaTask = CASA_TASKS.find(([pattern]) => pattern.test(command.name))?.[1];
  if (casaTask) {
    const taskOrigin = `${casaTask}::::casa`;
    log.info(taskOrigin, RULE);
    log.info(taskOrigin, banner('Begin', casaTask));
    log.info(taskOrigin, `${casaTask}( vis='${ctx.sdmIdentifiers[0] ?? 'unknown'}.ms' )`);
  }
  for (const [priority, message] of taskBody(command, ctx)) log.write(priority, origin(command), message);
  if (casaTask) {
    log.info(`${casaTask}::::casa`, banner('End', casaTask));
    log.info(`${casaTask}::::casa`, RULE);
  }
}

/** `Results <...>`: what the runner logs once the stage's task returned. */
function endTask(log, command) {
  log.info(origin(command), `Results [<pipeline.${command.name.split('_')[0]}.tasks.${command.name}.Results object>]`);
}

/** The runners' skip messages (executevlappr.py :166-190): a breakpoint command, Hanning in SPECTRAL_MODE. */
function skipMessage(command, intents, reader) {
  if (command.name === 'breakpoint') return reader === 'vla' ? 'Found breakpoint, not performing any action.' : 'Ignoring breakpoint breakpoint';
  if (command.name === 'hifv_hanning' && intents.SPECTRAL_MODE === true) return 'SPECTRAL_MODE=True.  Hanning smoothing will not be executed.';
  return undefined;
}

module.exports = { classifyRun, isExport, isImport, isRestore, origin, callText, beginTask, writeTaskBody, endTask, skipMessage };
