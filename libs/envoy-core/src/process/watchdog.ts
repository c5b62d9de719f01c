import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { UnavailableError } from '../errors';
import { WATCHDOG_ARGUMENT, WATCHDOG_SCRIPT } from './watchdog-script';

export { AT_DEATH_ARGUMENT, WATCHDOG_ARGUMENT } from './watchdog-script';

/**
 * How the watchdog is started: `/bin/sh` running WATCHDOG_SCRIPT (watchdog-script.ts). The watchdog stops
 * the external system's process group when the envoy dies without doing it itself
 * (SIGKILL by the OOM killer, an operator, a batch system that does not track processes). Node has no
 * prctl(PR_SET_PDEATHSIG), and that would cover one process, not a group, anyway.
 *
 * It is a POSIX shell script, not Node.js: it waits beside every run for as long as the run lasts, so it
 * must cost nothing (a shell holds about 1 MB; a second Node.js process held 40 MB and took a core for
 * 100 ms to boot, beside the envoy's own setup steps). It is started at the beginning of every run that will
 * launch something, in a session of its own (a signal to the envoy's process group does not reach it), and
 * its first command makes it ignore the stop signals (it must outlive the envoy; it ends by itself). The
 * envoy writes lines to the watchdog's stdin:
 *
 *   watch <pgid> <stop signal> <grace ms> <what>    the group now runs
 *   unwatch <pgid>                                 the group is gone (stopped or exited)
 *   atdeath <base64>                               run the envoy's at-death work should it die (`-` withdraws it)
 *
 * When its stdin reaches end-of-file the envoy is gone (the kernel closes the pipe whatever killed it). A
 * group still watched then gets the envoy's own stop sequence (STOP_POLICY, as group.ts `stopGroup`): the
 * stop signal, SIGKILL after the grace period, zombies not counted as living. At the same time, when at-death work is
 * registered, it runs `<node> <envoy's executable> --envoys-internal-at-death` with the payload on its stdin
 * (never on a command line: it may hold credentials), so that what the envoy left outside the node (a proxy
 * route) is removed too. Then the watchdog exits. The pipe's write
 * end is close-on-exec, so the external system never holds it open.
 *
 * Race windows, and why they are acceptable: the envoy writes `watch` in the same tick as spawn() returns
 * the child's PID, so a SIGKILL that lands between the kernel creating the child and that write (a few
 * microseconds) leaves the child unwatched. `unwatch` is written once the group has no living member; a
 * SIGKILL between that moment and the write makes the watchdog signal a group that no longer exists
 * (ESRCH: nothing happens) unless the kernel reused the group's ID within that instant.
 */
export function watchdogCommand(entry: string, envoy: string, format: string, envoyPid: number): { file: string; args: string[]; options: SpawnOptions } {
  return {
    file: '/bin/sh',
    args: ['-c', 'eval "$ENVOYS_WATCHDOG_SCRIPT"', WATCHDOG_ARGUMENT, entry, envoy, format, String(envoyPid), process.execPath],
    options: {
      detached: true, // a session of its own: signals to the envoy's process group do not reach it
      stdio: ['pipe', 'inherit', 'inherit'],
      // The script comes in the environment, so that `ps` shows which envoy the watchdog belongs to, not the
      // script; nothing else of the envoy's environment (settings, secrets) is passed on.
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', ENVOYS_WATCHDOG_SCRIPT: WATCHDOG_SCRIPT },
    },
  };
}

/** The envoy's side: a watchdog process and the pipe to it. */
export class Watchdog {
  private readonly child: ChildProcess;
  private failure: string | undefined;

  private constructor(entry: string, envoy: string, format: string) {
    const { file, args, options } = watchdogCommand(entry, envoy, format, process.pid);
    this.child = spawn(file, args, options);
    this.child.on('error', (error) => {
      this.failure = error.message;
    });
    this.child.on('exit', (code, signal) => {
      this.failure ??= `it exited early (${signal ?? `status ${code}`})`;
    });
    // Writes to a watchdog that died anyway are reported through `failure`, not as an unhandled error.
    this.child.stdin?.on('error', (error) => {
      this.failure ??= error.message;
    });
    // Neither the process nor the pipe keeps the envoy's event loop alive: the envoy exits when it is done.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  /**
   * Starts the watchdog off the critical path: nothing waits for it to boot, because what the envoy writes
   * waits in the pipe until the watchdog reads it (also after the envoy has died). `entry` is the envoy's
   * executable (process.argv[1]): named on the watchdog's command line, so that `ps` shows whose it is.
   */
  static start(entry: string, envoy: string, format: string): Watchdog {
    return new Watchdog(entry, envoy, format);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Throws (exit 69) when the watchdog could not be started or is gone: nothing is launched unwatched. */
  requireRunning(): void {
    if (this.child.pid === undefined || this.failure !== undefined) {
      throw new UnavailableError(`cannot start the watchdog that stops the external system should the envoy die: ${this.failure ?? 'spawn failed'}`);
    }
  }

  watch(pgid: number, signal: NodeJS.Signals, graceMs: number, what: string): void {
    // One line of printable text: the script reads it with `read` and prints it in a log line.
    const name = what.replace(/[^\x21-\x7e]+/g, ' ').trim() || '?';
    this.child.stdin?.write(`watch ${pgid} ${signal} ${Math.max(0, Math.round(graceMs))} ${name}\n`);
  }

  unwatch(pgid: number): void {
    this.child.stdin?.write(`unwatch ${pgid}\n`);
  }

  /** The payload the envoy's at-death work gets should the envoy die; undefined withdraws it. */
  atDeath(payload: string | undefined): void {
    this.child.stdin?.write(`atdeath ${payload === undefined ? '-' : Buffer.from(payload).toString('base64')}\n`);
  }
}
