import { InterruptedError } from '../errors';

/** The signals a scheduler or an operator uses to stop a job (HTCondor: SIGTERM on eviction and condor_rm). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export type SignalListener = (signal: NodeJS.Signals, count: number) => void;

/**
 * Receives the stop signals for the whole run, so that no signal is lost between life-cycle steps: the
 * first one aborts `abortSignal` (setup steps and waits watch it) and is remembered for the exit status
 * (128+N); listeners hear every one, so a second signal can escalate.
 */
export class SignalHub {
  private readonly controller = new AbortController();
  private readonly listeners = new Set<SignalListener>();
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  private first: NodeJS.Signals | null = null;
  private count = 0;

  get received(): NodeJS.Signals | null {
    return this.first;
  }

  get abortSignal(): AbortSignal {
    return this.controller.signal;
  }

  install(): this {
    for (const signal of STOP_SIGNALS) {
      const handler = () => this.deliver(signal);
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
    return this;
  }

  /**
   * The run is over (its report written): a stop signal from now until the process exits is ignored, so
   * that it cannot turn a finished run into a process killed by a signal.
   */
  settle(): void {
    for (const [signal, handler] of this.handlers) {
      process.off(signal, handler);
      const ignore = () => undefined;
      this.handlers.set(signal, ignore);
      process.on(signal, ignore);
    }
    this.listeners.clear();
  }

  dispose(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
    this.listeners.clear();
  }

  onSignal(listener: SignalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stops the run as SIGTERM would, for a reason of the envoy's own (its directory was taken over): work
   * that watches the abort signal fails with `reason`, the external system gets its stop signal and
   * grace period. `received` stays null: no signal decides the exit status.
   */
  stopFor(reason: Error): void {
    if (this.controller.signal.aborted) return;
    this.count += 1;
    this.controller.abort(reason);
    for (const listener of [...this.listeners]) listener('SIGTERM', this.count);
  }

  /** Delivers a signal as if the process had received it (used by the handlers and by tests). */
  deliver(signal: NodeJS.Signals): void {
    this.count += 1;
    if (this.first === null) {
      this.first = signal;
      // Work that throws the abort reason fails as what it is: stopped by the signal (exit 128+N).
      this.controller.abort(new InterruptedError(signal, `received ${signal}`));
    }
    for (const listener of [...this.listeners]) listener(signal, this.count);
  }
}
