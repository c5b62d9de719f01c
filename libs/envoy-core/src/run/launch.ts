import { join } from 'node:path';
import { InterruptedError, TimedOutError } from '../errors';
import type { LaunchPlan, LaunchResult } from '../process/launch-plan';
import { STOP_POLICY } from '../process/stop-policy';
import { startSupervised } from '../process/supervise';
import type { LaunchRecord } from '../report/report';
import { durationMs, type Settings } from '../settings';
import type { Prepared } from './prepare';
import type { StartedRun } from './scope';
import { shellQuote } from './shell-quote';
import type { StepRunner } from './steps';

/** The launch as it ended (the last one, when the launcher launched again), and why the run cannot go on. */
export interface Launched {
  readonly result: LaunchResult;
  readonly record: LaunchRecord;
  /** A stop signal, a time limit or a failure while running: the run fails with it. */
  readonly failure?: unknown;
}

/** Seconds between the stop signal and SIGKILL when the external system is stopped. */
export function graceMs(settings: Settings): number {
  return durationMs(settings, 'envoys.graceSeconds', 'seconds') ?? STOP_POLICY.defaultGraceMs;
}

/** Starts the plan under supervision and waits for it, with the launcher's work while it runs. */
export async function launch(run: StartedRun, steps: StepRunner, prepared: Prepared, plan: LaunchPlan): Promise<Launched> {
  const { launcher, watchdog } = prepared;
  const { observers, signals } = run;
  const logger = run.logger.child('launch');
  const outputLog = join(run.workDir, `${run.envoy}.${run.commandLine.mode}.out.log`);
  logger.info(`launching ${shellQuote(plan.argv)}`, { cwd: plan.cwd });
  const started = Date.now();
  watchdog?.requireRunning();
  const running = await startSupervised(plan, {
    graceMs: graceMs(run.settings),
    redactor: run.redactor,
    logger: run.logger,
    signals,
    outputLog,
    ...observers.outputStreams(),
    ...(watchdog ? { watchdog } : {}),
  });
  logger.info('started', { pid: running.pid });
  observers.launched(running.pid, plan);
  let watcherFailure: unknown;
  const watcher = launcher.whileRunning
    ? launcher.whileRunning(running).catch(async (error: unknown) => {
        watcherFailure = error;
        await running.stop('failure while running');
      })
    : Promise.resolve();
  const result = await running.result;
  observers.launchEnded(result);
  await watcher;
  const record: LaunchRecord = {
    argv: plan.argv,
    cwd: plan.cwd,
    env: { ...plan.env },
    unsetEnv: [...(plan.unsetEnv ?? [])],
    pid: result.pid,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
    stoppedBy: result.stoppedBy,
    outputLog,
  };
  const ended = result.signal ? `ended by ${result.signal}` : `exited with status ${result.exitCode}`;
  steps.recordStep({ name: 'launch', status: result.exitCode === 0 ? 'succeeded' : 'failed', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, detail: ended });
  logger.info(ended, { ms: result.durationMs });
  if (!result.interruptedBy && !watcherFailure && !result.timedOut && !signals.received && launcher.relaunch) {
    const again = await launcher.relaunch(result);
    if (again) return launch(run, steps, prepared, again);
  }
  if (result.interruptedBy) return { result, record, failure: new InterruptedError(result.interruptedBy, `stopped by ${result.interruptedBy}; the external system was stopped`) };
  if (watcherFailure) return { result, record, failure: watcherFailure };
  if (result.timedOut) {
    return { result, record, failure: new TimedOutError(`${plan.argv[0]} ran past its time limit of ${(plan.timeoutMs ?? 0) / 60000} minutes and was stopped`) };
  }
  return { result, record };
}
