#!/usr/bin/env node
// A CARTA backend whose port is taken by another process just before it starts, the first time only: the
// wrapper starts a separate "thief" process that binds the --port the envoy chose (a real listener, as another
// user's program would), waits until it holds it, then runs the real backend emulator, which cannot listen
// there. Later runs find the marker file and run the emulator as it is. The thief's PID goes to
// $PORT_THIEF_PIDFILE (the test stops it), the ports tried to $PORT_THIEF_LOG.
const { spawn, spawnSync } = require('node:child_process');
const { appendFileSync, existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
const port = args[args.indexOf('--port') + 1];
const emulator = join(process.env.CARTA_EMULATOR_ROOT, 'bin/carta_backend');
appendFileSync(process.env.PORT_THIEF_LOG, `${port}\n`);

// The stop signal reaches the whole process group: this wrapper waits for the emulator to end by it and exits
// as the emulator did, as if it were the backend itself.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

function runEmulator() {
  const result = spawnSync(emulator, args, { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

if (existsSync(process.env.PORT_THIEF_PIDFILE)) runEmulator();
else {
  const thief = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${port}, '0.0.0.0', () => console.log('holding')); setTimeout(() => process.exit(0), 120000);`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  writeFileSync(process.env.PORT_THIEF_PIDFILE, String(thief.pid));
  thief.stdout.once('data', () => {
    thief.stdout.destroy();
    thief.unref();
    runEmulator();
  });
}
