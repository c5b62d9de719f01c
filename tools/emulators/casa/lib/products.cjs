// What the pipeline's export stage leaves in products/, per kind of run. File names follow the real VLA
// pipeline where the envoy or the ingest side depends on them (caltables tar, weblog.tgz, casa_pipescript.py,
// casa_commands.log, *.pipeline_manifest.xml, FITS stems with their ancillaries).
const fs = require('node:fs');
const path = require('node:path');
const { writeTgz } = require('./archive.cjs');
const { writeTable, writeMeasurementSet, writeFlagVersions } = require('./tables.cjs');
const { PNG } = require('./fits.cjs');
const { exportedImage } = require('./images.cjs');
const scripts = require('./scripts.cjs');

const VLA_OUS = 'unknown'; // the VLA pipeline has no OUS: its products are named "unknown.*"
const IMAGING_OUS = 'oussid';
const IMAGE_FIELDS = ['J1234+5678', 'J2253+1608'];
const ANCILLARIES = ['rms', 'pb', 'mask', 'alpha'];

function write(dir, name, content) {
  fs.writeFileSync(path.join(dir, name), content);
  return name;
}

// Calibration tables as the VLA pipeline names them: <vis>.<task>.s<stage>_<n>.<kind>.
function caltableNames(vis, commands) {
  const stage = (pattern, fallback) => {
    const index = commands.findIndex((c) => pattern.test(c.name));
    return index >= 0 ? index + 1 : fallback;
  };
  const prior = stage(/priorcals/, 5);
  const final = stage(/finalcals/, 6);
  return [
    `${vis}.hifv_priorcals.s${prior}_2.gc.tbl`,
    `${vis}.hifv_priorcals.s${prior}_3.opac.tbl`,
    `${vis}.hifv_finalcals.s${final}_1.finaldelay.k`,
    `${vis}.hifv_finalcals.s${final}_2.finalBPcal.b`,
    `${vis}.hifv_finalcals.s${final}_4.finalampgaincal.g`,
    `${vis}.hifv_finalcals.s${final}_5.finalphasegaincal.g`,
  ];
}

/** Calibration: caltables tar, flag versions, apply lists, restore script, manifest. */
function calibrationProducts({ ppr, dirs }) {
  const written = [];
  const manifestEntries = [];
  const tables = [];
  for (const sdm of ppr.sdmIdentifiers) {
    const vis = `${sdm}.ms`;
    const names = caltableNames(vis, ppr.commands);
    for (const name of names) writeTable(path.join(dirs.workingDir, name), { subType: name.split('.').pop() });
    tables.push(...names);
    writeFlagVersions(path.join(dirs.workingDir, `${vis}.flagversions`), ['Original', 'Pipeline_Final']);
    writeTgz(path.join(dirs.productsDir, `${vis}.flagversions.tgz`), dirs.workingDir, [`${vis}.flagversions`]);
    written.push(`${vis}.flagversions.tgz`, write(dirs.productsDir, `${vis}.calapply.txt`, scripts.calapply(names)));
    manifestEntries.push(['asdm', sdm], ['finalflags', `${vis}.flagversions.tgz`], ['applycmds', `${vis}.calapply.txt`]);
  }
  const caltables = `${VLA_OUS}.session_1.caltables.tgz`;
  writeTgz(path.join(dirs.productsDir, caltables), dirs.workingDir, tables);
  written.push(caltables, write(dirs.productsDir, 'casa_piperestorescript.py', scripts.restoreScript(ppr)));
  manifestEntries.unshift(['caltables', caltables]);
  manifestEntries.push(['restorescript', 'casa_piperestorescript.py']);
  return { written, manifestEntries, manifestName: VLA_OUS };
}

/** Restore: the calibrated measurement set in working/; nothing in products/ (hifv_restoredata only reads it). */
function restoreInWorking({ ppr, dirs }) {
  for (const sdm of ppr.sdmIdentifiers) writeMeasurementSet(path.join(dirs.workingDir, `${sdm}.ms`));
}

/** Restore followed by an export stage: the restored MS in working/; the export writes the common products. */
function restoreProducts(ctx) {
  restoreInWorking(ctx);
  return { written: [], manifestEntries: [], manifestName: VLA_OUS };
}

/** Imaging: per science target a primary-beam corrected image and its ancillaries, plus the manifest. */
function imagingProducts({ ppr, dirs }) {
  const written = [];
  const manifestEntries = [];
  for (const field of IMAGE_FIELDS) {
    const stem = `${IMAGING_OUS}.${field}_sci.K_band.cont.I.iter1.image.pbcor.tt0`;
    written.push(write(dirs.productsDir, `${stem}.fits`, exportedImage(field, 'image', ppr.telescope)));
    for (const kind of ANCILLARIES) written.push(write(dirs.productsDir, `${stem}.${kind}.fits`, exportedImage(field, kind, ppr.telescope)));
    written.push(write(dirs.productsDir, `${stem}.png`, PNG));
    manifestEntries.push(['image', `${stem}.fits`]);
  }
  return { written, manifestEntries, manifestName: IMAGING_OUS };
}

/** The products every export writes: weblog.tgz, the pipeline script and the CASA commands log. */
function commonProducts({ ppr, dirs, weblog, stages }) {
  writeTgz(path.join(dirs.productsDir, 'weblog.tgz'), dirs.workingDir, [path.join(weblog.name, 'html')]);
  return [
    'weblog.tgz',
    write(dirs.productsDir, 'casa_pipescript.py', scripts.pipescript(ppr)),
    write(dirs.productsDir, 'casa_commands.log', scripts.commandsLog(ppr, stages)),
  ];
}

const BY_MODE = {
  calibration: [calibrationProducts],
  restore: [restoreProducts],
  imaging: [imagingProducts],
  integrated: [restoreProducts, imagingProducts],
};

/** Exports the products of a run of kind `mode`; returns the names written to products/. */
function exportProducts(mode, ctx) {
  fs.mkdirSync(ctx.dirs.productsDir, { recursive: true });
  const parts = BY_MODE[mode].map((make) => make(ctx));
  const written = parts.flatMap((p) => p.written);
  written.push(...commonProducts(ctx));
  const name = parts[parts.length - 1].manifestName;
  const entries = [...parts.flatMap((p) => p.manifestEntries), ['weblog', 'weblog.tgz'], ['casa_cmdlog', 'casa_commands.log'], ['pipescript', 'casa_pipescript.py']];
  written.push(write(ctx.dirs.productsDir, `${name}.pipeline_manifest.xml`, scripts.manifest(name, entries)));
  return written;
}

/** What a run that failed half way leaves behind (scenario `severe`): the scripts, no calibration. */
function partialProducts(ctx) {
  fs.mkdirSync(ctx.dirs.productsDir, { recursive: true });
  return [
    write(ctx.dirs.productsDir, 'casa_pipescript.py', scripts.pipescript(ctx.ppr)),
    write(ctx.dirs.productsDir, 'casa_commands.log', scripts.commandsLog(ctx.ppr, ctx.stages)),
  ];
}

module.exports = { exportProducts, partialProducts, restoreInWorking };
