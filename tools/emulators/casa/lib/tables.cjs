// Stand-ins for casacore table directories (calibration tables, measurement sets, flag versions): a
// directory holding the usual table.* files, with a little content so that archives are not empty.
const fs = require('node:fs');
const path = require('node:path');

/** Writes `<dir>/` as a table of the given type and subtype (table.info says what the table is). */
function writeTable(dir, { type = 'Calibration', subType = '' } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'table.info'), `Type = ${type}\nSubType = ${subType}\n`);
  // Real table.dat starts with casacore's magic word 0xbebebebe followed by the table description.
  const dat = Buffer.concat([Buffer.from([0xbe, 0xbe, 0xbe, 0xbe]), Buffer.from(`Table ${path.basename(dir)}\n`)]);
  fs.writeFileSync(path.join(dir, 'table.dat'), dat);
  fs.writeFileSync(path.join(dir, 'table.f0'), Buffer.alloc(512, 0x2a));
  fs.writeFileSync(path.join(dir, 'table.lock'), Buffer.alloc(325));
  return dir;
}

/** A measurement set: a main table plus a few subtables, as `working/<sdm>.ms/` looks after a restore. */
function writeMeasurementSet(dir) {
  // Written anew, as importasdm and the restore do (overwrite=True): an MS left by an earlier run is replaced.
  fs.rmSync(dir, { recursive: true, force: true });
  writeTable(dir, { type: 'Measurement Set' });
  for (const sub of ['ANTENNA', 'FIELD', 'SPECTRAL_WINDOW', 'HISTORY']) writeTable(path.join(dir, sub), { type: sub });
  return dir;
}

/** `<vis>.flagversions/`: the FLAG_VERSION_LIST and one saved flag table per version. */
function writeFlagVersions(dir, versions) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'FLAG_VERSION_LIST'), versions.map((v) => `${v} : saved by the pipeline\n`).join(''));
  for (const version of versions) writeTable(path.join(dir, `flags.${version}`), { type: 'Flags' });
  return dir;
}

module.exports = { writeTable, writeMeasurementSet, writeFlagVersions };
