#!/usr/bin/env node
// `npm run demo`: builds the envoys, then in a fresh temporary directory runs a complete standard calibration
// with the CASA emulator followed by the ingestion of its products with the ingest emulator, and says where
// everything is. Everything the demo writes stays under one temporary directory.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const examples = join(root, 'tools/fixtures/examples');
const casaHome = join(root, 'tools/emulators/casa');
const ingest = join(root, 'tools/emulators/ingest/bin/ingest');

function step(title) {
  console.log(`\n=== ${title}`);
}

function run(command, args, options = {}) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  return result.status ?? 1;
}

step('building the envoys');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
if (run('npx', ['nx', 'run-many', '-t', 'build', '-p', 'casa-envoy', 'ingest-envoy', '--output-style=static'], { cwd: root, env }) !== 0) {
  process.exit(1);
}

// A processing directory as the workflow prepares it: a scratch directory with a generated name.
const demo = mkdtempSync(join(tmpdir(), 'envoys-demo-'));
const spool = join(demo, 'spool');
const processing = join(spool, `tmp${Math.random().toString(36).slice(2, 10)}`);
const metadata = JSON.parse(readFileSync(join(examples, 'metadata.json'), 'utf8'));
const sdm = Array.isArray(metadata.fileSetIds) ? metadata.fileSetIds[0] : metadata.fileSetIds;
mkdirSync(join(processing, 'rawdata', sdm), { recursive: true });
writeFileSync(join(processing, 'rawdata', sdm, 'ASDM.xml'), '<ASDM/>\n');
cpSync(join(examples, 'metadata.json'), join(processing, 'metadata.json'));
cpSync(join(examples, 'PPR.xml'), join(processing, 'PPR.xml'));
const casaEnvoy = join(demo, 'casa-envoy');
const ingestEnvoy = join(demo, 'ingest-envoy');
cpSync(join(root, 'dist/apps/casa-envoy/main.js'), casaEnvoy);
cpSync(join(root, 'dist/apps/ingest-envoy/main.js'), ingestEnvoy);

step(`standard calibration in ${processing}`);
const casaStatus = run('node', [casaEnvoy, '--standard-cal', 'metadata.json', 'PPR.xml'], {
  cwd: processing,
  env: { ...process.env, CASA_HOME: casaHome },
});
console.log(`casa-envoy exited ${casaStatus}`);

let ingestStatus = null;
const stagingRoot = join(demo, 'staging');
const ledger = join(demo, 'archive-ledger.jsonl');
if (casaStatus === 0 && existsSync(ingest)) {
  step('ingestion of the calibration');
  mkdirSync(stagingRoot);
  ingestStatus = run('node', [ingestEnvoy, '--calibration', processing], {
    cwd: demo,
    env: { ...process.env, ENVOY_INGEST_STAGING_ROOT: stagingRoot, ENVOY_INGEST_COMMAND: ingest, INGEST_EMULATOR_LEDGER: ledger },
  });
  console.log(`ingest-envoy exited ${ingestStatus}`);
}

step('where everything is');
console.log(`processing directory:  ${processing}`);
console.log(`  corrected PPR:       ${join(processing, 'working/PPR.xml')}`);
console.log(`  CASA products:       ${join(processing, 'products')}`);
console.log(`  casa-envoy report:   ${join(processing, 'casa-envoy-report.json')}`);
if (ingestStatus !== null) {
  const staging = join(stagingRoot, processing.split('/').pop());
  console.log(`staging directory:     ${staging}`);
  console.log(`  manifest:            ${join(staging, 'ingestion-manifest.json')}`);
  console.log(`  ingest-envoy report: ${join(processing, 'ingest-envoy-report.json')}`);
  if (existsSync(ledger)) console.log(`archive ledger entry:  ${readFileSync(ledger, 'utf8').trim().split('\n').pop()}`);
}
process.exit(casaStatus !== 0 ? casaStatus : (ingestStatus ?? 0));
