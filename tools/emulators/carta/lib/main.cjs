// The CARTA backend as carta-envoy sees it, rule by rule after the real carta_backend (each rule's source is
// cited in the README): the command line and its settings files, the starting-folder checks, the ready lines,
// busy ports, the HTTP and WebSocket server (server.cjs), the initial/exit/idle time-outs, SIGINT, its own log
// file. Scenarios (CARTA_EMULATOR_SCENARIO) reproduce the ways a real backend misbehaves.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs, UsageError, USAGE } = require('./args.cjs');
const { startServer, normalPrefix } = require('./server.cjs');

const VERSION = '4.1.0 (emulator)';
const DEFAULT_PORT = 3002;
const MAX_SOCKET_PORT_TRIALS = 100;

const SCENARIOS = {
  normal: 'serves until SIGINT or a time-out',
  crash: 'exits with status 1 CARTA_EMULATOR_CRASH_AFTER_SECONDS (default 1) after it started listening',
  killed: 'dies of SIGKILL (as by the kernel OOM killer) CARTA_EMULATOR_CRASH_AFTER_SECONDS after listening',
  'slow-start': 'listens only after CARTA_EMULATOR_START_DELAY_SECONDS (default 5)',
  stubborn: 'ignores SIGINT (only SIGKILL stops it)',
};

let logFile;

function log(level, text) {
  const line = `[${new Date().toISOString().replace('T', ' ').replace('Z', '')}] [CARTA] [${level}] ${text}\n`;
  process.stdout.write(line);
  if (logFile) fs.appendFileSync(logFile, line);
}

function fail(message) {
  log('critical', message);
  process.exit(1);
}

function seconds(env, name, fallback) {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) fail(`${name}=${text} is not a number of seconds`);
  return value;
}

function inside(folder, target) {
  const relative = path.relative(folder, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function isImageDirectory(dir) {
  const has = (name) => fs.existsSync(path.join(dir, name));
  return has('table.dat') || (has('header') && has('image'));
}

const JSON_KEYS = {
  top_level_folder: 'topLevelFolder',
  starting_folder: 'base',
  host: 'host',
  port: 'ports',
  idle_timeout: 'idleTimeout',
  initial_timeout: 'initialTimeout',
  exit_timeout: 'exitTimeout',
  omp_threads: 'ompThreads',
  frontend_folder: 'frontendFolder',
  http_url_prefix: 'httpUrlPrefix',
  no_log: 'noLog',
  no_frontend: 'noFrontend',
  no_database: 'noDatabase',
  no_browser: 'noBrowser',
};

/** /etc/carta/backend.json, then ~/.carta/backend.json: options the command line does not give. */
function applySettingsFiles(args, home) {
  args.settingsMessages = [];
  const files = [];
  if (!args.noSystemConfig) files.push(['system', process.env.CARTA_EMULATOR_SYSTEM_CONFIG || '/etc/carta/backend.json']);
  if (!args.noUserConfig) files.push(['user', path.join(home, '.carta', 'backend.json')]);
  for (const [kind, file] of files) {
    if (!fs.existsSync(file)) continue;
    let settings;
    try {
      settings = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      args.settingsMessages.push(['warning', `Error parsing config file ${file}.`]);
      continue;
    }
    args.settingsMessages.push(['debug', `Reading ${kind} settings from ${file}.`]);
    for (const [name, value] of Object.entries(settings)) {
      const key = JSON_KEYS[name];
      if (!key || args.given.has(key)) continue;
      args[key] = key === 'ports' ? (Array.isArray(value) ? value : [value]) : value;
    }
  }
}

/** The starting folder and the files to open, as ProgramSettings sorts the positional arguments. */
function sortPositionals(args) {
  let startingFolder = args.base || '.';
  let files = [];
  for (const arg of args.files) {
    if (!fs.existsSync(arg)) {
      files = []; // a missing path is ignored, and so are the files before it
      continue;
    }
    const info = fs.statSync(arg);
    if (info.isDirectory()) {
      if (isImageDirectory(arg)) files.push(arg);
      else {
        startingFolder = arg;
        files = [];
        break;
      }
    } else if (!info.isFile()) {
      files = [];
      break;
    } else files.push(arg);
  }
  return { startingFolder, files };
}

function run(argv, env) {
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`Error parsing command line: ${error.message}\n${USAGE}`);
    process.exit(1);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const scenario = env.CARTA_EMULATOR_SCENARIO || 'normal';
  if (!(scenario in SCENARIOS)) fail(`unknown CARTA_EMULATOR_SCENARIO "${scenario}" (one of ${Object.keys(SCENARIOS).join(', ')})`);
  if (env.CARTA_EMULATOR_PIDFILE) fs.writeFileSync(env.CARTA_EMULATOR_PIDFILE, `${process.pid}\n`);
  const home = env.HOME;
  if (!home) {
    process.stderr.write("terminate called after throwing an instance of 'std::logic_error'\n  what():  basic_string: construction from null is not valid\n");
    process.exit(1);
  }
  applySettingsFiles(args, home);
  if (!args.noLog) {
    const dir = path.join(home, '.carta', 'log');
    fs.mkdirSync(dir, { recursive: true });
    logFile = path.join(dir, 'carta.log');
  }
  // Said once the logger exists; debug lines only from --verbosity 5 (the default is 4, info).
  for (const [level, text] of args.settingsMessages) if (level !== 'debug' || (args.verbosity ?? 4) >= 5) log(level, text);

  const top = path.resolve(args.topLevelFolder || '/');
  if (!fs.existsSync(top) || !fs.statSync(top).isDirectory()) fail('Invalid top level directory, does not exist or is not a readable directory. Exiting carta.');
  const { startingFolder, files } = sortPositionals(args);
  const start = path.resolve(startingFolder);
  if (!fs.existsSync(start) || !fs.statSync(start).isDirectory() || !inside(top, start)) {
    fail(`Starting ${start} must be a subdirectory of top level ${top}. Exiting carta.`);
  }
  args.top = top;
  args.start = start;
  args.relativeFiles = files.map((file) => path.relative(top, path.resolve(file)));

  let sigintHandled = true;
  process.on('SIGINT', () => {
    if (!sigintHandled) process.kill(process.pid, 'SIGKILL'); // the default action: death by the signal
    if (scenario === 'stubborn') {
      log('warning', 'received SIGINT; ignoring it (scenario stubborn)');
      return;
    }
    log('info', 'Exiting backend.');
    process.exit(0);
  });

  log('info', `CARTA emulator ${VERSION}, pid ${process.pid}, scenario ${scenario}`);
  const token = env.CARTA_AUTH_TOKEN || require('node:crypto').randomUUID();
  const startDelay = scenario === 'slow-start' ? seconds(env, 'CARTA_EMULATOR_START_DELAY_SECONDS', 5) : 0;
  if (startDelay > 0) log('info', `starting slowly: listening in ${startDelay} s`);
  const resetSigint = () => (sigintHandled = false);
  setTimeout(() => listen(args, env, scenario, token, resetSigint), startDelay * 1000);
}

async function bindFirst(args, token, sessions, frontendFolder) {
  const ports = args.ports && args.ports.length > 0 ? args.ports : undefined;
  const options = {
    host: args.host || '0.0.0.0',
    token,
    prefix: args.httpUrlPrefix,
    frontendFolder,
    homeDir: process.env.HOME,
    idleTimeout: args.idleTimeout || 0,
    sessions,
    log,
  };
  if (ports && ports.length === 1) {
    try {
      return { port: ports[0], ...(await startServer({ ...options, port: ports[0] })) };
    } catch (error) {
      if (error.code !== 'EADDRINUSE') throw error;
      log('error', `Could not listen on port ${ports[0]}!\n`);
      return { port: ports[0] };
    }
  }
  const first = ports ? ports[0] : DEFAULT_PORT;
  const last = ports ? (ports[1] === -1 ? 65535 : ports[1]) : first + MAX_SOCKET_PORT_TRIALS;
  for (let port = first; port <= last; port += 1) {
    try {
      return { port, ...(await startServer({ ...options, port })) };
    } catch (error) {
      if (error.code !== 'EADDRINUSE') throw error;
      log('warning', `Port ${port} is already in use. Trying next port.`);
    }
  }
  log('error', `Unable to listen on the port range ${first}-${last}!`);
  return { port: last + 1 };
}

function listen(args, env, scenario, token, resetSigint) {
  const exitNoSessions = () => {
    log('info', 'No sessions timeout.');
    process.exit(0);
  };
  let count = 0;
  let initialTimer;
  let exitTimer;
  const sessions = {
    count: () => count,
    connected: () => {
      count += 1;
      clearTimeout(exitTimer);
    },
    left: () => {
      count -= 1;
      if (count > 0) return;
      log('info', 'No remaining sessions.');
      if (args.exitTimeout !== undefined) exitTimer = setTimeout(exitNoSessions, Math.max(args.exitTimeout, 0) * 1000);
    },
  };
  const exe = fs.realpathSync(process.argv[1] || __filename);
  const frontendFolder = args.noFrontend ? undefined : args.frontendFolder || path.join(path.dirname(exe), '..', 'share', 'carta', 'frontend');
  bindFirst(args, token, sessions, frontendFolder)
    .then(({ port, server, canServeFrontend, base }) => {
      if (!args.noFrontend && frontendFolder && !canServeFrontend) log('error', `Could not find CARTA frontend files in directory ${path.resolve(frontendFolder)}.`);
      const threads = args.ompThreads > 0 ? `, and ${args.ompThreads} OpenMP worker threads` : '. The number of OpenMP worker threads will be handled automatically.';
      log('info', `Listening on port ${port} with top level folder ${args.top}, starting folder ${args.start}${threads}`);
      if (!args.noFrontend && canServeFrontend) {
        const host = !args.host || args.host === '0.0.0.0' ? env.SERVER_IP || 'localhost' : args.host;
        const file = args.relativeFiles.length === 1 ? `&file=${encodeURIComponent(args.relativeFiles[0])}` : '';
        log('info', `CARTA is accessible at http://${host}:${port}${base || normalPrefix(args.httpUrlPrefix)}/?token=${token}${file}`);
      }
      if (!server) {
        // The port could not be bound: nothing is left for the event loop (exit status 0, inferred).
        const status = Number(env.CARTA_EMULATOR_BUSY_PORT_STATUS || 0);
        process.exit(status);
      }
      if (args.initialTimeout > 0) {
        initialTimer = setTimeout(() => {
          if (count > 0) {
            // Session.cc: the initial timer fired while a client is connected: SIGINT's handler is reset.
            resetSigint();
            return;
          }
          exitNoSessions();
        }, args.initialTimeout * 1000);
      }
      const after = seconds(env, 'CARTA_EMULATOR_CRASH_AFTER_SECONDS', 1) * 1000;
      if (scenario === 'crash') {
        setTimeout(() => {
          process.stderr.write("terminate called after throwing an instance of 'std::runtime_error'\n  what():  emulated crash\n");
          process.exit(1);
        }, after);
      }
      if (scenario === 'killed') setTimeout(() => process.kill(process.pid, 'SIGKILL'), after);
      return initialTimer;
    })
    .catch((error) => fail(`could not listen on ${args.host || '0.0.0.0'}: ${error.code || error.message}`));
}

module.exports = { run, SCENARIOS };
