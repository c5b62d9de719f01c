// CASA 6's command line (casashell's argparse definition), as far as the envoy can touch it. Everything after
// `-c` belongs to the script: the first word is the script, the rest its sys.argv.

const VALUE_FLAGS = new Set(['--logfile', '--rcdir', '--colors', '--datapath', '--cachedir']);
const BOOLEAN_FLAGS = new Set([
  '--log2term', '--nologger', '--nologfile', '--nogui', '--norc', '--pipeline', '--agg', '--iplog',
  '--user-site', '--nocrashreport', '--telemetry', '--notelemetry',
]);

const USAGE =
  'usage: casa [-h] [--logfile LOGFILE] [--log2term] [--nologger] [--nologfile] [--nogui] [--rcdir RCDIR] ' +
  '[--norc] [--colors {Neutral,NoColor,Linux,LightBG}] [--pipeline] [--agg] [--iplog] [--user-site] ' +
  '[--nocrashreport] [--datapath DATAPATH] [--telemetry] [--version] [-c ...]';

class UsageError extends Error {}

function camel(flag) {
  return flag.replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
}

/**
 * Parses CASA's argv (without node and script). Returns { flags, values, script, scriptArgs, help, version };
 * throws UsageError with argparse's wording for anything CASA would reject.
 */
function parseArgs(argv) {
  const parsed = { flags: {}, values: {}, script: undefined, scriptArgs: [], help: false, version: false };
  const unknown = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '-c') {
      [parsed.script, ...parsed.scriptArgs] = argv.slice(i + 1);
      break;
    } else if (name === '-h' || name === '--help') parsed.help = true;
    else if (name === '--version') parsed.version = true;
    else if (BOOLEAN_FLAGS.has(name) && inline === undefined) parsed.flags[camel(name)] = true;
    else if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[(i += 1)];
      if (value === undefined) throw new UsageError(`argument ${name}: expected one argument`);
      parsed.values[camel(name)] = value;
    } else unknown.push(arg);
  }
  if (unknown.length > 0) throw new UsageError(`unrecognized arguments: ${unknown.join(' ')}`);
  return parsed;
}

module.exports = { parseArgs, UsageError, USAGE };
