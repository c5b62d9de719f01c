// The archive ingest tool's command line as the envoy calls it: `ingest --json -p <staging directory>`.
const USAGE = 'usage: ingest [--json] -p|--path STAGING_DIR';

class UsageError extends Error {}

function parseArgs(argv) {
  const options = { json: false, path: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '-p' || arg === '--path') {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      options.path = argv[(i += 1)];
    } else if (arg === '-h' || arg === '--help') options.help = true;
    else throw new UsageError(`unknown argument: ${JSON.stringify(arg)}`);
  }
  if (!options.help && options.path === undefined) throw new UsageError('-p STAGING_DIR is required');
  return options;
}

module.exports = { parseArgs, UsageError, USAGE };
