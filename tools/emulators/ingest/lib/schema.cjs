// The manifest is validated against the very schema file the envoy validates against (one source of truth in
// the repository), with the repository's own ajv.
const fs = require('node:fs');
const path = require('node:path');

const SCHEMA_FILE = path.join(__dirname, '..', '..', '..', '..', 'apps', 'ingest-envoy', 'schema', 'ingestion-manifest.schema.json');

let validator;

/** Problems of `manifest` against the schema, as `<json pointer>: <message>` lines; empty when valid. */
function schemaProblems(manifest) {
  if (!validator) {
    const Ajv = require('ajv');
    validator = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')));
  }
  if (validator(manifest)) return [];
  return (validator.errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message}${error.params && error.params.additionalProperty ? ` (${error.params.additionalProperty})` : ''}`);
}

module.exports = { schemaProblems, SCHEMA_FILE };
