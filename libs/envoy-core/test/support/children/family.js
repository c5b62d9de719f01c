// Starts a grandchild, writes both PIDs to PID_FILE, then waits. With STUBBORN=1 both ignore SIGTERM,
// SIGINT and SIGHUP, so only SIGKILL ends them.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const stubborn = process.env.STUBBORN === '1';
const body = stubborn
  ? "for (const s of ['SIGTERM','SIGINT','SIGHUP']) process.on(s, () => {}); setInterval(() => {}, 1000);"
  : 'setInterval(() => {}, 1000);';
const grandchild = spawn(process.execPath, ['-e', body], { stdio: 'ignore' });
if (stubborn) for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => process.stdout.write(`ignoring ${s}\n`));
else process.on('SIGTERM', () => { process.stdout.write('got SIGTERM\n'); process.exit(0); });
fs.writeFileSync(process.env.PID_FILE, JSON.stringify({ child: process.pid, grandchild: grandchild.pid }));
process.stdout.write('family started\n');
setInterval(() => {}, 1000);
