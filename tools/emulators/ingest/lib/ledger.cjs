// The ledger stands in for the archive: one JSON line per accepted ingestion. Like the archive, it refuses a
// second ingestion of the same staging directory unless the manifest says `reingest`.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { IngestError } = require('./check.cjs');

function ledgerPath(dir, env) {
  return env.INGEST_EMULATOR_LEDGER || path.join(path.dirname(path.resolve(dir)), 'ingest-ledger.jsonl');
}

function entries(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** Records an ingestion; returns the ledger entry. */
function record(file, checked) {
  const { manifest, manifestBytes, files } = checked;
  const ingestionPath = manifest.parameters.ingestion_path;
  const earlier = entries(file).filter((entry) => entry.ingestion_path === ingestionPath);
  if (earlier.length > 0 && !manifest.parameters.reingest) {
    throw new IngestError(`${ingestionPath} was already ingested at ${earlier[earlier.length - 1].ingestedAt}; set reingest to replace it`);
  }
  const entry = {
    ingestedAt: new Date().toISOString(),
    ingestion_path: ingestionPath,
    telescope: manifest.parameters.telescope,
    reingest: manifest.parameters.reingest,
    ...(manifest.parameters.collection_name !== undefined ? { collection_name: manifest.parameters.collection_name } : {}),
    input_group: manifest.input_group.science_products,
    science_products: manifest.output_group.science_products.map((product) => ({ type: product.type, filename: product.filename })),
    files: files.map((f) => ({ type: f.type, filename: f.filename, ...(f.size !== undefined ? { size: f.size } : {}) })),
    manifestSha256: crypto.createHash('sha256').update(manifestBytes).digest('hex'),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // One write of one line with O_APPEND: concurrent ingestions never interleave inside a line.
  fs.appendFileSync(file, JSON.stringify(entry) + '\n');
  return entry;
}

module.exports = { ledgerPath, record, entries };
