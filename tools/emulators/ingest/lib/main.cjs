// The archive's ingest tool as the envoy sees it: `ingest --json -p DIR` reads DIR/ingestion-manifest.json,
// checks it and the staged files, records the ingestion in a ledger, prints a result and exits 0; anything
// wrong is a reason on stderr (and in the JSON result) and exit status 1. Scenario variable
// INGEST_EMULATOR_SCENARIO: `success` (default), `fail` (the archive refuses after the checks), `hang`
// (never finishes; for signal and time-limit tests), `slow` (commits after INGEST_EMULATOR_SECONDS).
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
  if (scenario === 'slow') {
    // The archive copies the files and commits at the end, as one transaction: stopped before then, it has
    // taken nothing (no ledger entry).
    const seconds = Number(env.INGEST_EMULATOR_SECONDS ?? '5');
    if (!Number.isFinite(seconds) || seconds < 0) fail(options, `INGEST_EMULATOR_SECONDS is not a number of seconds: ${JSON.stringify(env.INGEST_EMULATOR_SECONDS)}`, 2);
    process.stderr.write(`ingest: copying to NGAS (${seconds} s)...\n`);
    setTimeout(() => commit(options, checked, env), seconds * 1000);
    return;
  }
  if (scenario !== 'success') fail(options, `unknown INGEST_EMULATOR_SCENARIO ${JSON.stringify(scenario)}`, 2);
  commit(options, checked, env);
}

/** Records the ingestion in the ledger (the archive's commit) and reports it. */
function commit(options, checked, env) {
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
