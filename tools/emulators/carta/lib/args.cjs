// carta_backend's command line (cxxopts in the real backend), as far as carta-envoy can touch it. Options
// take their value as the next word or after `=`; a word that is not an option is a file or folder to open.

const VALUE_OPTIONS = new Map([
  ['--host', 'host'],
  ['--port', 'port'],
  ['-p', 'port'],
  ['--top_level_folder', 'topLevelFolder'],
  ['--idle_timeout', 'idleTimeout'],
  ['--initial_timeout', 'initialTimeout'],
  ['--exit_timeout', 'exitTimeout'],
  ['--verbosity', 'verbosity'],
  ['--omp_threads', 'ompThreads'],
  ['-t', 'ompThreads'],
  ['--frontend_folder', 'frontendFolder'],
  ['--http_url_prefix', 'httpUrlPrefix'],
]);
const FLAGS = new Map([
  ['--no_browser', 'noBrowser'],
  ['--no_log', 'noLog'],
  ['--no_frontend', 'noFrontend'],
  ['--no_database', 'noDatabase'],
  ['--read_only_mode', 'readOnlyMode'],
  ['--no_user_config', 'noUserConfig'],
  ['--no_system_config', 'noSystemConfig'],
  ['--enable_scripting', 'enableScripting'],
  ['--debug_no_auth', 'debugNoAuth'],
  ['--controller_deployment', 'controllerDeployment'],
  ['-h', 'help'],
  ['--help', 'help'],
  ['-v', 'version'],
  ['--version', 'version'],
]);
const NUMBERS = new Set(['idleTimeout', 'initialTimeout', 'exitTimeout', 'verbosity', 'ompThreads']);

const USAGE = `Cube Analysis and Rendering Tool for Astronomy (emulator)
Usage:
  carta_backend [OPTION...] [<file or folder to open>]

      --no_browser            don't open the frontend URL in a browser on startup
      --host arg              only listen on the specified interface (IP address or hostname)
  -p, --port arg              manually set the HTTP and WebSocket port, or a range LOW,HIGH (default: 3002)
      --top_level_folder arg  set top-level folder for data files (default: /)
      --idle_timeout arg      number of seconds to keep idle sessions alive
      --initial_timeout arg   number of seconds to stay alive at start if no clients connect
  -h, --help                  print usage
  -v, --version               print version
`;

class UsageError extends Error {}

/** Parses argv (without node and script); throws UsageError with cxxopts' wording for what CARTA rejects. */
function parseArgs(argv) {
  const parsed = { files: [], given: new Set() };
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i];
    if (!word.startsWith('-') || word === '-') {
      parsed.files.push(word);
      continue;
    }
    const equals = word.startsWith('--') ? word.indexOf('=') : -1;
    const name = equals > 0 ? word.slice(0, equals) : word;
    if (FLAGS.has(name) && equals < 0) {
      parsed[FLAGS.get(name)] = true;
      parsed.given.add(FLAGS.get(name));
    } else if (VALUE_OPTIONS.has(name)) {
      const value = equals > 0 ? word.slice(equals + 1) : argv[(i += 1)];
      if (value === undefined) throw new UsageError(`Option '${name.replace(/^-+/, '')}' is missing an argument`);
      const key = VALUE_OPTIONS.get(name);
      parsed.given.add(key);
      if (key === 'port') {
        // ProgramSettings.cc: a single port, or "LOW,HIGH" (HIGH -1: up to 65535).
        if (!/^\d+(,(-1|\d+))?$/.test(value)) throw new UsageError(`Argument '${value}' failed to parse`);
        parsed.ports = value.split(',').map(Number);
      } else if (NUMBERS.has(key)) {
        if (!/^\d+$/.test(value)) throw new UsageError(`Argument '${value}' failed to parse`);
        parsed[key] = Number(value);
      } else parsed[key] = value;
    } else {
      throw new UsageError(`Option '${name.replace(/^-+/, '')}' does not exist`);
    }
  }
  return parsed;
}

module.exports = { parseArgs, UsageError, USAGE };
