// What the archive checks before it accepts an ingestion: the manifest is valid, names only files that are in
// the staging directory, and the ingestion artifacts tar holds the very manifest being ingested.
const fs = require('node:fs');
const path = require('node:path');
const tar = require('tar');
const { schemaProblems } = require('./schema.cjs');

const MANIFEST = 'ingestion-manifest.json';

class IngestError extends Error {}

/** Every product of the manifest as { group, type, filename }, science products' own ancillaries included. */
function namedFiles(manifest) {
  const files = [];
  for (const product of manifest.output_group.science_products) {
    files.push({ group: 'science', type: product.type, filename: product.filename });
    for (const ancillary of product.ancillary_products ?? []) files.push({ group: 'ancillary', type: ancillary.type, filename: ancillary.filename });
  }
  for (const ancillary of manifest.output_group.ancillary_products ?? []) files.push({ group: 'ancillary', type: ancillary.type, filename: ancillary.filename });
  for (const artifact of manifest.ingestion_artifacts.ancillary_products) files.push({ group: 'artifacts', type: artifact.type, filename: artifact.filename });
  if (manifest.parameters.additional_metadata !== undefined) {
    files.push({ group: 'metadata', type: 'additional_metadata', filename: manifest.parameters.additional_metadata });
  }
  return files;
}

/** The members of a tar file with their content (the artifacts tar is small: a manifest and a metadata file). */
function tarMembers(file) {
  const members = new Map();
  tar.t({
    file,
    sync: true,
    onReadEntry(entry) {
      const chunks = [];
      entry.on('data', (chunk) => chunks.push(chunk));
      entry.on('end', () => members.set(entry.path, Buffer.concat(chunks)));
    },
  });
  return members;
}

/** Reads and checks the staging directory; returns what is to be ingested or throws IngestError. */
function checkStaging(dir) {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat || !stat.isDirectory()) throw new IngestError(`staging directory ${dir} does not exist`);
  const manifestPath = path.join(dir, MANIFEST);
  if (!fs.existsSync(manifestPath)) throw new IngestError(`no ${MANIFEST} in ${dir}`);
  const manifestBytes = fs.readFileSync(manifestPath);
  let manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw new IngestError(`${manifestPath} is not valid JSON: ${error.message}`);
  }
  const problems = schemaProblems(manifest);
  if (problems.length > 0) throw new IngestError(`${manifestPath} does not match the ingestion manifest schema: ${problems.join('; ')}`);

  if (fs.realpathSync(manifest.parameters.ingestion_path) !== fs.realpathSync(dir)) {
    throw new IngestError(`ingestion_path ${manifest.parameters.ingestion_path} is not the staging directory ${dir}`);
  }
  const files = namedFiles(manifest);
  for (const file of files) {
    const filePath = path.join(dir, file.filename);
    const fileStat = fs.lstatSync(filePath, { throwIfNoEntry: false });
    if (!fileStat) throw new IngestError(`${file.type} ${JSON.stringify(file.filename)} named in the manifest is not in ${dir}`);
    const wantDirectory = file.type === 'execution_block';
    if (wantDirectory ? !fileStat.isDirectory() : !fileStat.isFile()) {
      throw new IngestError(`${file.type} ${JSON.stringify(file.filename)} is not a ${wantDirectory ? 'directory' : 'regular file'}`);
    }
    file.size = wantDirectory ? undefined : fileStat.size;
  }

  const artifacts = manifest.ingestion_artifacts.ancillary_products[0].filename;
  let members;
  try {
    members = tarMembers(path.join(dir, artifacts));
  } catch (error) {
    throw new IngestError(`${artifacts} is not a readable tar: ${error.message}`);
  }
  const copy = members.get(MANIFEST);
  if (!copy) throw new IngestError(`${artifacts} does not hold ${MANIFEST}`);
  if (!copy.equals(manifestBytes)) throw new IngestError(`the ${MANIFEST} in ${artifacts} differs from the one in ${dir}`);
  const extra = manifest.parameters.additional_metadata;
  if (extra !== undefined) {
    const held = members.get(extra);
    if (!held) throw new IngestError(`${artifacts} does not hold the additional metadata file ${extra}`);
    if (!held.equals(fs.readFileSync(path.join(dir, extra)))) throw new IngestError(`the ${extra} in ${artifacts} differs from the one in ${dir}`);
  }
  return { manifest, manifestBytes, files };
}

module.exports = { checkStaging, IngestError, MANIFEST };
