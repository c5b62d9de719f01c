// The archive's ingest tool as the envoy sees it: `ingest --json -p DIR` reads DIR/ingestion-manifest.json,
// checks it and the staged files, records the ingestion in a ledger, prints a result and exits 0; anything
// wrong is a reason on stderr (and in the JSON result) and exit status 1. Scenario variable
// INGEST_EMULATOR_SCENARIO: `success` (default), `fail` (the archive refuses after the checks), `hang`
// (never finishes; for signal and time-limit tests).
const { parseArgs, UsageError, USAGE } = require('./args.cjs');
const { checkStaging, IngestError } = require('./check.cjs');
const { ledgerPath, record } = require('./ledger.cjs');

function say(json, result) {
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
}

function fail(options, reason, status = 1) {
  process.stderr.write(`ingest: ERROR: ${reason}\n`);
  say(options.json, { status: 'failure', reason, ingestion_path: options.path });
  process.exit(status);
}

function run(argv, env = process.env) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`ingest: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const scenario = env.INGEST_EMULATOR_SCENARIO || 'success';
  process.stderr.write(`ingest: ingesting from ${options.path} (emulator, scenario ${scenario}, pid ${process.pid})\n`);
  let checked;
  try {
    checked = checkStaging(options.path);
  } catch (error) {
    if (error instanceof IngestError) fail(options, error.message);
    throw error;
  }
  if (scenario === 'hang') {
    process.stderr.write('ingest: waiting for NGAS...\n');
    setInterval(() => undefined, 1 << 30);
    return;
  }
  if (scenario === 'fail') fail(options, 'NGAS refused the ingestion: archive unavailable (emulated failure)');
  if (scenario !== 'success') fail(options, `unknown INGEST_EMULATOR_SCENARIO ${JSON.stringify(scenario)}`, 2);
  const ledger = ledgerPath(options.path, env);
  let entry;
  try {
    entry = record(ledger, checked);
  } catch (error) {
    if (error instanceof IngestError) fail(options, error.message);
    throw error;
  }
  process.stderr.write(`ingest: ingested ${entry.science_products.length} science product(s); ledger ${ledger}\n`);
  say(options.json, { status: 'success', ingestion_path: entry.ingestion_path, ledger, entry });
}

module.exports = { run };
