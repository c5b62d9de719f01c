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

function beginTask(log, command, ctx) {
  log.info(origin(command), RULE);
  log.info(origin(command), `##### Begin Task: ${command.name} #####`);
  log.info(origin(command), callText(command, ctx.sdmIdentifiers));
}

function writeTaskBody(log, command, ctx) {
  for (const [priority, message] of taskBody(command, ctx)) log.write(priority, origin(command), message);
}

function endTask(log, command) {
  log.info(origin(command), `##### End Task: ${command.name} #####`);
  log.info(origin(command), RULE);
}

module.exports = { classifyRun, isExport, isImport, isRestore, origin, callText, beginTask, writeTaskBody, endTask };
