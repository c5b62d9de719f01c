// The envoy's side of the watchdog as a process of its own, which a test can kill with SIGKILL: reads one
// JSON line (the watchdog's command, the process group's command, what to watch), starts both, writes
// `watch` in the same tick as the group's spawn, prints "ready <watchdog pid> <pgid>", then passes every
// further line of its stdin on to the watchdog.
const { spawn } = require('node:child_process');
const readline = require('node:readline');
let watchdog;
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (watchdog) {
    watchdog.stdin.write(`${line}\n`);
    return;
  }
  const spec = JSON.parse(line);
  watchdog = spawn(spec.watchdog.file, spec.watchdog.args, spec.watchdog.options);
  const group = spawn(spec.group.file, spec.group.args, { detached: true, stdio: 'ignore', env: spec.group.env });
  watchdog.stdin.write(`watch ${group.pid} ${spec.signal} ${spec.graceMs} ${spec.what}\n`);
  process.stdout.write(`ready ${watchdog.pid} ${group.pid}\n`);
});
setInterval(() => {}, 1000);
