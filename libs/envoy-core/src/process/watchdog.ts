import { spawn, type ChildProcess } from 'node:child_process';
import { UnavailableError } from '../errors';
import { groupAlive, stopGroup } from './group';
import { STOP_SIGNALS } from './signals';

/**
 * The internal argument that turns an envoy's bundle into its watchdog. Not an option of any envoy: it is
 * recognised before the command line is parsed and never shown in the usage.
 */
export const WATCHDOG_ARGUMENT = '--envoys-internal-watchdog';

/**
 * The watchdog stops the external system's process group when the envoy dies without doing it itself
 * (SIGKILL by the OOM killer, an operator, a batch system that does not track processes). Node has no
 * prctl(PR_SET_PDEATHSIG), and that would cover one process, not a group, anyway.
 *
 * It is the envoy's own bundle run again with WATCHDOG_ARGUMENT (the deployable stays one file), started
 * at the beginning of every run that will launch something, in a session of its own (a signal to the
 * envoy's process group does not reach it) and ignoring the stop signals (it must outlive the envoy; it
 * ends by itself). The envoy writes lines to the watchdog's stdin:
 *
 *   watch <pgid> <stop signal> <grace ms> <what>    the group now runs
 *   unwatch <pgid>                                 the group is gone (stopped or exited)
 *
 * When its stdin reaches end-of-file the envoy is gone (the kernel closes the pipe whatever killed it). A
 * group still watched then gets the envoy's own stop sequence: the stop signal, SIGKILL after the grace
 * period. Then the watchdog exits. The pipe's write end is close-on-exec, so the external system never
 * holds it open.
 *
 * Race windows, and why they are acceptable: the envoy writes `watch` in the same tick as spawn() returns
 * the child's PID, so a SIGKILL that lands between the kernel creating the child and that write (a few
 * microseconds) leaves the child unwatched. `unwatch` is written once the group has no living member; a
 * SIGKILL between that moment and the write makes the watchdog signal a group that no longer exists
 * (ESRCH: nothing happens) unless the kernel reused the group's ID within that instant.
 */
export async function runWatchdog(envoy: string, format: string, envoyPid: string): Promise<number> {
  // Only SIGKILL may end the watchdog early: a batch system that signals every process of the job must not
  // take the watchdog down before the envoy it watches.
  for (const signal of STOP_SIGNALS) process.on(signal, () => undefined);
  const watched = new Map<number, { signal: NodeJS.Signals; graceMs: number; what: string }>();
  let buffered = '';
  const handle = (line: string): void => {
    const [verb, pgidText, signal, grace, ...what] = line.split(' ');
    const pgid = Number(pgidText);
    if (!Number.isInteger(pgid) || pgid <= 1) return;
    if (verb === 'watch') {
      const name = STOP_SIGNALS.includes(signal as NodeJS.Signals) ? (signal as NodeJS.Signals) : 'SIGTERM';
      watched.set(pgid, { signal: name, graceMs: Math.max(0, Number(grace) || 0), what: what.join(' ') });
    } else if (verb === 'unwatch') {
      watched.delete(pgid);
    }
  };
  await new Promise<void>((resolve) => {
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        handle(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
    process.stdin.on('end', resolve);
    process.stdin.on('error', () => resolve());
  });
  await Promise.all(
    [...watched].map(async ([pgid, { signal, graceMs, what }]) => {
      if (!groupAlive(pgid)) return;
      say(envoy, format, `${envoy} (pid ${envoyPid}) died while ${what} (process group ${pgid}) was running: stopping the group with ${signal}, SIGKILL after ${graceMs / 1000} s`);
      const killed = await stopGroup(pgid, signal, graceMs);
      say(envoy, format, `process group ${pgid} stopped${killed ? ' (it outlived the grace period and was killed with SIGKILL)' : ''}`);
    }),
  );
  return 0;
}

/** One log line in the envoy's own format, on the stdout the watchdog shares with it (the job's output). */
function say(envoy: string, format: string, message: string): void {
  const time = new Date().toISOString();
  const line = format === 'json' ? JSON.stringify({ time, level: 'warn', envoy, step: 'watchdog', message }) : `${time} WARN  [watchdog] ${message}`;
  try {
    process.stdout.write(`${line}\n`);
  } catch {
    /* nobody is reading the job's output any more: the group is stopped all the same */
  }
}

/** The envoy's side: a watchdog process and the pipe to it. */
export class Watchdog {
  private readonly child: ChildProcess;
  private failure: string | undefined;

  private constructor(entry: string, envoy: string, format: string) {
    this.child = spawn(process.execPath, [entry, WATCHDOG_ARGUMENT, envoy, format, String(process.pid)], {
      detached: true, // a session of its own: signals to the envoy's process group do not reach it
      stdio: ['pipe', 'inherit', 'inherit'],
    });
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
   * bundle (process.argv[1]).
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
    this.child.stdin?.write(`watch ${pgid} ${signal} ${graceMs} ${what.replace(/\s+/g, ' ')}\n`);
  }

  unwatch(pgid: number): void {
    this.child.stdin?.write(`unwatch ${pgid}\n`);
  }
}
