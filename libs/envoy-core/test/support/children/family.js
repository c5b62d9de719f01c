// Starts a grandchild, writes both PIDs to PID_FILE once both are in their final state, then waits. With
// STUBBORN=1 both ignore SIGTERM, SIGINT and SIGHUP, so only SIGKILL ends them.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const stubborn = process.env.STUBBORN === '1';
const handlers = stubborn ? "for (const s of ['SIGTERM','SIGINT','SIGHUP']) process.on(s, () => {});" : '';
// The grandchild says "ready" once its handlers are installed: a signal that came earlier would kill it.
const body = `${handlers} process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
const grandchild = spawn(process.execPath, ['-e', body], { stdio: ['ignore', 'pipe', 'ignore'] });
// Once the envoy is gone nobody reads our output: a failed write must not end us (only a signal may).
process.stdout.on('error', () => undefined);
if (stubborn) for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => process.stdout.write(`ignoring ${s}\n`));
else process.on('SIGTERM', () => { process.stdout.write('got SIGTERM\n'); process.exit(0); });
grandchild.stdout.once('data', () => {
  grandchild.stdout.destroy();
  fs.writeFileSync(process.env.PID_FILE, JSON.stringify({ child: process.pid, grandchild: grandchild.pid }));
  process.stdout.write('family started\n');
});
setInterval(() => {}, 1000);
