// The child process of the `hang` scenarios: an `mpicasa`-like worker that CASA started and that hangs with
// it. It stays in CASA's process group (so only a signal to the whole group reaches both) and does not die
// with its parent: an envoy that signals only CASA itself leaves this worker behind, as real MPI workers are.
// Argument: `stubborn` to ignore SIGTERM, SIGINT and SIGHUP (then only SIGKILL stops it).
process.title = 'mpicasa-worker';

if (process.argv[2] === 'stubborn') {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => {});
}

// Tell the parent we are in our final state (handlers installed), then let go of the channel.
if (process.send) process.send('ready', () => process.disconnect());

setInterval(() => {}, 1 << 30);
