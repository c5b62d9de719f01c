// The text products of the pipeline: the script that reproduces the run, the log of CASA task calls, the
// calibration apply lists and the pipeline manifest. Their content is modelled on real ones.
const { callText } = require('./tasks.cjs');
const { releases } = require('./log.cjs');

const OBSERVATORIES = { ALMA: 'Atacama Large Millimeter/submillimeter Array' };

/** casa_pipescript.py: the run as a Python script of pipeline task calls. */
function pipescript(ppr, commands = ppr.commands) {
  const telescope = ppr.telescope ?? 'EVLA';
  const observatory = OBSERVATORIES[telescope] ?? 'Karl G. Jansky Very Large Array';
  return [
    `# This CASA pipescript is meant for use with CASA ${releases().casa} and pipeline ${releases().pipeline}.`,
    'context = h_init()',
    `context.set_state('ProjectSummary', 'observatory', '${observatory}')`,
    `context.set_state('ProjectSummary', 'telescope', '${telescope}')`,
    'try:',
    ...commands.map((c) => `    ${callText(c, ppr.sdmIdentifiers)}`),
    'finally:',
    '    h_save()',
    '',
  ].join('\n');
}

/** casa_piperestorescript.py: what a later restore runs (calibration runs only). */
function restoreScript(ppr) {
  const restore = { name: ppr.telescope === 'ALMA' ? 'hifa_restoredata' : 'hifv_restoredata', parameters: [] };
  return pipescript(ppr, [{ name: ppr.telescope === 'ALMA' ? 'hifa_importdata' : 'hifv_importdata', parameters: [] }, restore]);
}

// The CASA tasks a pipeline stage calls, for casa_commands.log.
const CASA_CALLS = [
  [/importdata/, (vis, sdm) => [`importasdm(asdm='../rawdata/${sdm}', vis='${vis}', savecmds=True, createmms=False)`]],
  [/restoredata/, (vis) => [`flagmanager(vis='${vis}', mode='restore', versionname='Pipeline_Final')`, `applycal(vis='${vis}', docallib=True, callib='../products/${vis}.calapply.txt')`]],
  [/hanning/, (vis) => [`hanningsmooth(vis='${vis}', outputvis='${vis}.hanning')`]],
  [/flagdata/, (vis) => [`flagdata(vis='${vis}', mode='list', action='apply', flagbackup=False)`]],
  [/setjy/, (vis) => [`setjy(vis='${vis}', field='0', standard='Perley-Butler 2017', usescratch=True)`]],
  [/priorcals/, (vis) => [`gencal(vis='${vis}', caltable='${vis}.hifv_priorcals.gc.tbl', caltype='gc')`]],
  [/finalcals/, (vis) => [`gaincal(vis='${vis}', caltable='${vis}.finaldelay.k', gaintype='K')`, `bandpass(vis='${vis}', caltable='${vis}.finalBPcal.b')`]],
  [/applycals/, (vis) => [`applycal(vis='${vis}', applymode='calflagstrict', flagbackup=False)`]],
  [/mstransform/, (vis) => [`mstransform(vis='${vis}', outputvis='${vis.replace(/\.ms$/, '')}_targets.ms', intent='*TARGET*')`]],
  [/makeimages/, (vis) => [`tclean(vis=['${vis}'], imagename='oussid.s1_0.sci', specmode='mfs', deconvolver='mtmfs', nterms=2)`]],
  [/pbcor/, () => ["impbcor(imagename='oussid.sci.image.tt0', pbimage='oussid.sci.pb.tt0', outfile='oussid.sci.image.pbcor.tt0')"]],
];

/** casa_commands.log: each stage's pipeline call as a comment, followed by the CASA tasks it ran. */
function commandsLog(ppr, stages) {
  return stages
    .map((command) => {
      const match = CASA_CALLS.find(([pattern]) => pattern.test(command.name));
      const calls = match ? ppr.sdmIdentifiers.flatMap((sdm) => match[1](`${sdm}.ms`, sdm)) : [];
      return [`# ${callText(command, ppr.sdmIdentifiers)}`, '', ...calls, ''].join('\n');
    })
    .join('\n');
}

/** `<vis>.calapply.txt`: the callibrary lines applycal uses in a restore. */
function calapply(caltables) {
  return caltables.map((table) => `caltable='${table}' calwt=False tinterp='linear' fldmap='nearest'\n`).join('');
}

/** `<name>.pipeline_manifest.xml`, listing the products of the run by their file names. */
function manifest(name, entries) {
  const lines = entries.map(([element, file]) => `        <${element} name="${file}"/>`);
  return [
    '<?xml version="1.0" ?>',
    `<piperesults name="${name}">`,
    `    <ous name="${name}">`,
    `        <pipeline_version name="${releases().pipeline}"/>`,
    `        <casa_version name="${releases().casa}"/>`,
    ...lines,
    '    </ous>',
    '</piperesults>',
    '',
  ].join('\n');
}

module.exports = { pipescript, restoreScript, commandsLog, calapply, manifest };
