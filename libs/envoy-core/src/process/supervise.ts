import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { openAtomicFile, type AtomicFile } from '../files/atomic-write';
import { UnavailableError } from '../errors';
import type { Logger } from '../log/logger';
import type { Redactor } from '../redact/redactor';
import { groupAlive, livingGroupMembers, signalGroup, stopGroup } from './group';
import { childEnvironment, type LaunchPlan, type LaunchResult, type RunningProcess } from './launch-plan';
import type { SignalHub } from './signals';
import type { Watchdog } from './watchdog';

export interface SuperviseOptions {
  readonly graceMs: number;
  readonly redactor: Redactor;
  readonly logger: Logger;
  readonly signals: SignalHub;
  /** Where the child's output is kept besides being streamed (`<envoy>.<mode>.out.log`). */
  readonly outputLog?: string;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Told about the group as soon as it exists, so that it is stopped even if the envoy dies. */
  readonly watchdog?: Watchdog;
}

function spawnFailure(argv0: string, error: unknown): UnavailableError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const reason =
    code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable (permission denied)' : `cannot be started (${code || String(error)})`;
  return new UnavailableError(`${argv0}: ${reason}`, [], { cause: error });
}

/**
 * Starts the external system and supervises it (CONTRACT 3.5): its own process group; stop signals received by
 * the envoy passed to the whole group; SIGKILL after the grace period; a wall-clock limit; output streamed
 * through (secrets redacted) and kept in a log file. The result is settled only when no process of the group
 * is left, so an envoy that exits after it leaves no orphan on the node.
 */
export async function startSupervised(plan: LaunchPlan, options: SuperviseOptions): Promise<RunningProcess> {
  const [file, ...args] = plan.argv;
  if (file === undefined) throw new Error('launch plan has an empty argv');
  const log = options.logger.child('launch');
  const outputLog: AtomicFile | undefined = options.outputLog ? await openAtomicFile(options.outputLog) : undefined;

  const started = Date.now();
  // node:child_process directly: execa was this one call, and 18 ms of every launch to load (docs/BENCHMARKS.md).
  let subprocess: ChildProcess;
  try {
    subprocess = spawn(file, args, {
      cwd: plan.cwd,
      env: childEnvironment(plan),
      detached: true, // a process group (and session) of its own, so signals reach every descendant
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Arguments the system call cannot take (a NUL byte in an argument): the program cannot be started.
    await outputLog?.discard();
    throw spawnFailure(file, error);
  }
  // Settles with the spawn's error, or when the process is gone and its pipes closed. The listener stays: an
  // 'error' without one would crash the envoy.
  const completion = new Promise<unknown>((resolve) => {
    subprocess.on('error', resolve);
    subprocess.once('close', () => resolve(undefined));
  });

  const pid = subprocess.pid;
  if (pid === undefined) {
    await outputLog?.discard();
    throw spawnFailure(file, await completion);
  }
  // In the same tick as the spawn: from here on the group is stopped whatever happens to the envoy.
  options.watchdog?.watch(pid, plan.stopSignal ?? 'SIGTERM', options.graceMs, basename(file));

  const pumps = [
    pump(subprocess.stdout, options.stdout ?? process.stdout, outputLog, options.redactor, plan.onOutput),
    pump(subprocess.stderr, options.stderr ?? process.stderr, outputLog, options.redactor, plan.onOutput),
  ];
  const exited = once(subprocess, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  let interruptedBy: NodeJS.Signals | null = null;
  let stoppedBy: string | null = null;
  let timedOut = false;
  let killed = false;
  let stopping: Promise<void> | undefined;

  const stop = (reason: string, signal: NodeJS.Signals): Promise<void> => {
    if (!stopping) {
      stoppedBy = reason;
      log.info(`stopping the process group with ${signal}`, { pid, reason, graceSeconds: options.graceMs / 1000 });
      stopping = stopGroup(pid, signal, options.graceMs).then((neededKill) => {
        if (neededKill) {
          killed = true;
          log.warn('the process group outlived the grace period and was killed with SIGKILL', { pid });
        }
      });
    }
    return stopping;
  };

  const unsubscribe = options.signals.onSignal((signal, count) => {
    if (count > 1) {
      // A second signal means "now": an operator does not want to wait out the grace period.
      log.warn(`received ${signal} again: killing the process group`, { pid });
      signalGroup(pid, 'SIGKILL');
      return;
    }
    interruptedBy = signal;
    void stop('signal', plan.stopSignal ?? signal);
  });
  if (options.signals.received && !stopping) {
    interruptedBy = options.signals.received;
    void stop('signal', plan.stopSignal ?? options.signals.received);
  }

  const timer =
    plan.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          log.error(`time limit of ${plan.timeoutMs} ms reached`, { pid });
          void stop('timeout', plan.stopSignal ?? 'SIGTERM');
          // setTimeout fires at once for delays beyond 2^31-1 ms; a limit of more than 24 days is no limit.
        }, Math.min(plan.timeoutMs, 2_147_483_647))
      : undefined;

  const result = (async (): Promise<LaunchResult> => {
    const [exitCode, signal] = await exited;
    const durationMs = Date.now() - started;
    if (!stopping && groupAlive(pid)) {
      // The child is done but left descendants behind (daemons, workers): nothing may outlive the job.
      log.warn('the external system exited but left processes behind; stopping them', {
        pid,
        remaining: livingGroupMembers(pid).join(','),
      });
      await stopGroup(pid, 'SIGTERM', options.graceMs);
    }
    await stopping;
    options.watchdog?.unwatch(pid);
    if (timer) clearTimeout(timer);
    unsubscribe();
    // A descendant that escaped the group (its own setsid) may still hold the pipes open: do not wait for it.
    const drained = await settlesWithin(Promise.all(pumps), 2000);
    if (!drained) {
      log.warn('output pipes still held open by an escaped process; closing them', { pid });
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }
    await settlesWithin(completion, 2000);
    await outputLog?.commit();
    return { pid, exitCode, signal, durationMs, timedOut, interruptedBy, stoppedBy, killed };
  })();

  return {
    pid,
    result,
    async stop(reason: string) {
      await stop(reason, plan.stopSignal ?? 'SIGTERM');
      return result;
    },
  };
}

/** Whether `promise` settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise.then(() => true, () => true), delay(ms, false, { signal: timer.signal })]);
  } finally {
    timer.abort(); // the race is decided: the timer must not hold the event loop for the rest of `ms`
  }
}

async function pump(
  source: NodeJS.ReadableStream | null,
  destination: Writable,
  outputLog: AtomicFile | undefined,
  redactor: Redactor,
  onOutput: ((text: string) => void) | undefined,
): Promise<void> {
  if (!source) return;
  const redacting = redactor.stream();
  source.pipe(redacting);
  for await (const chunk of redacting) {
    destination.write(chunk);
    onOutput?.(String(chunk));
    if (outputLog && !outputLog.stream.write(chunk)) await once(outputLog.stream, 'drain');
  }
}
