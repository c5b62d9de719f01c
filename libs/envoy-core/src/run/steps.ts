import { EnvoyError, InterruptedError } from '../errors';
import type { StepRecord } from '../report/report';
import { asEnvoyError } from './failure';
import { stepPhase, type SetupStep } from './launcher';
import type { StartedRun } from './scope';

// How long a step may go on after a stop signal before the envoy stops without it (CONTRACT 3.5: the envoy
// honours a stop signal at once; every step watches the abort signal and stops in milliseconds, removing
// what it was writing; this bounds one that does not, with room for a busy machine).
const STEP_STOP_MS = 2000;

/** Runs named steps: times them, records them (report, events) and bounds them once a stop signal came. */
export class StepRunner {
  private abandonedStep = false;
  private last: StepRecord | undefined;

  constructor(private readonly run: StartedRun) {}

  /** A step was abandoned after a stop signal: it may have left temporaries of this process behind. */
  get abandoned(): boolean {
    return this.abandonedStep;
  }

  /** The mode's setup steps in order; the first failure, or a stop signal, ends them. */
  async setup(steps: readonly SetupStep[]): Promise<void> {
    const { signals } = this.run;
    for (const setup of steps) {
      if (signals.received) throw new InterruptedError(signals.received);
      await this.announced(setup.name, stepPhase(setup), () => setup.run());
    }
    if (signals.received) throw new InterruptedError(signals.received);
  }

  /** One step that shows in the live status as `state`; its result logged as the step's detail. */
  async announced(name: string, state: 'auditing' | 'preparing', work: () => Promise<string | void>): Promise<void> {
    const { logger, observers, commandLine } = this.run;
    logger.child(name).info(commandLine.dryRun ? 'checking (dry run)' : 'starting');
    observers.stepStarted(name, state);
    const failure = await this.timed(name, work);
    if (failure) throw failure;
    if (this.last?.detail) logger.child(name).info(this.last.detail);
  }

  /**
   * Runs `work` as a recorded step; returns its failure (already recorded) instead of throwing. After a stop
   * signal the step gets `afterSignalMs` to finish (every step watches the abort signal and stops well within
   * it); then it is abandoned and the envoy stops anyway.
   */
  async timed(name: string, work: () => Promise<string | void>, afterSignalMs = STEP_STOP_MS): Promise<EnvoyError | undefined> {
    const started = Date.now();
    const { commandLine, logger, redactor } = this.run;
    try {
      const detail = await this.untilSignalled(work(), afterSignalMs);
      this.recordStep({ name, status: commandLine.dryRun && name !== 'teardown' ? 'planned' : 'succeeded', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, detail: detail ?? '' });
      logger.child(name).debug('done', { ms: Date.now() - started });
      return undefined;
    } catch (error) {
      const failure = asEnvoyError(error);
      this.recordStep({ name, status: 'failed', startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, detail: redactor.redact(failure.message) });
      return failure;
    }
  }

  recordStep(record: StepRecord): void {
    this.last = record;
    this.run.observers.stepFinished(record);
  }

  /** Waits for a step, but not forever once a signal has come (see timed). */
  private async untilSignalled<T>(work: Promise<T>, afterSignalMs: number): Promise<T> {
    const { signals } = this.run;
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<never>((_, reject) => {
      const arm = () => {
        timer = setTimeout(() => {
          // After the I/O already done has been handled: a step finishing its own stop just now wins.
          setImmediate(() => {
            this.abandonedStep = true;
            reject(new InterruptedError(signals.received ?? 'SIGTERM'));
          });
        }, afterSignalMs);
      };
      if (signals.abortSignal.aborted) arm();
      else signals.abortSignal.addEventListener('abort', arm, { once: true });
    });
    abandoned.catch(() => undefined);
    try {
      return await Promise.race([work, abandoned]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
