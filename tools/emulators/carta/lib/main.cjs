// The CARTA backend as carta-envoy sees it: the command line, the HTTP port that answers only with the
// session's token (CARTA_AUTH_TOKEN), the "accessible at" line, the idle and initial time-outs, and a clean
// exit 0 on SIGINT. Scenarios (CARTA_EMULATOR_SCENARIO) reproduce the ways a real backend misbehaves.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs, UsageError, USAGE } = require('./args.cjs');
const { startServer } = require('./server.cjs');

const VERSION = '4.1.0 (emulator)';

const SCENARIOS = {
  normal: 'serves until SIGINT or a time-out',
  crash: 'exits with status 1 CARTA_EMULATOR_CRASH_AFTER_SECONDS (default 1) after it started listening',
  killed: 'dies of SIGKILL (as by the kernel OOM killer) CARTA_EMULATOR_CRASH_AFTER_SECONDS after listening',
  'slow-start': 'listens only after CARTA_EMULATOR_START_DELAY_SECONDS (default 5)',
  stubborn: 'ignores SIGINT (only SIGKILL stops it)',
};

function log(level, text) {
  process.stdout.write(`[${new Date().toISOString().replace('T', ' ').replace('Z', '')}] [CARTA] [${level}] ${text}\n`);
}

function fail(message) {
  process.stderr.write(`[CARTA] [error] ${message}\n`);
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

/** Checks the folder and files the way the backend does before it listens: all must exist, under the top. */
function checkPaths(args) {
  const top = path.resolve(args.topLevelFolder);
  if (!fs.existsSync(top) || !fs.statSync(top).isDirectory()) fail(`top level folder ${top} does not exist or is not a folder`);
  for (const file of args.files) {
    const target = path.resolve(file);
    if (!fs.existsSync(target)) fail(`file or folder ${target} does not exist`);
    if (!inside(top, target)) fail(`${target} is outside the top level folder ${top}`);
  }
}

function run(argv, env) {
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(`Error parsing command line: ${error.message}\n${USAGE}`);
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
  checkPaths(args);

  process.on('SIGINT', () => {
    if (scenario === 'stubborn') {
      log('warning', 'received SIGINT; ignoring it (scenario stubborn)');
      return;
    }
    log('info', 'received SIGINT: exiting backend');
    process.exit(0);
  });

  log('info', `CARTA emulator ${VERSION}, pid ${process.pid}, scenario ${scenario}`);
  const token = env.CARTA_AUTH_TOKEN || require('node:crypto').randomUUID();
  const startDelay = scenario === 'slow-start' ? seconds(env, 'CARTA_EMULATOR_START_DELAY_SECONDS', 5) : 0;
  if (startDelay > 0) log('info', `starting slowly: listening in ${startDelay} s`);
  setTimeout(() => listen(args, env, scenario, token), startDelay * 1000);
}

function listen(args, env, scenario, token) {
  let idleTimer;
  let initialTimer;
  const exitIdle = (why) => {
    log('info', why);
    process.exit(0);
  };
  // The real backend counts sessions (websocket clients); the emulator counts authorized requests.
  const onClient = () => {
    if (initialTimer) clearTimeout(initialTimer);
    initialTimer = undefined;
    if (args.idleTimeout > 0) {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => exitIdle(`no client activity for ${args.idleTimeout} s (idle timeout): exiting`), args.idleTimeout * 1000);
    }
  };
  startServer({ host: args.host, port: args.port, token, files: args.files, onClient, log })
    .then(() => {
      log('info', `CARTA is accessible at http://${args.host}:${args.port}/?token=${token}`);
      if (args.initialTimeout > 0) {
        initialTimer = setTimeout(() => exitIdle(`no client connected within ${args.initialTimeout} s (initial timeout): exiting`), args.initialTimeout * 1000);
      }
      const after = seconds(env, 'CARTA_EMULATOR_CRASH_AFTER_SECONDS', 1) * 1000;
      if (scenario === 'crash') {
        setTimeout(() => {
          process.stderr.write("terminate called after throwing an instance of 'std::runtime_error'\n  what():  emulated crash\n");
          process.exit(1);
        }, after);
      }
      if (scenario === 'killed') setTimeout(() => process.kill(process.pid, 'SIGKILL'), after);
    })
    .catch((error) => fail(`could not listen on ${args.host}:${args.port}: ${error.code || error.message}`));
}

module.exports = { run, SCENARIOS };
