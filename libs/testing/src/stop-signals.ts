import { start, type Finished } from './processes';
import { waitFor } from './processes';

/** When to send the stop signal: as soon as a line matching `after` appears on the envoy's output. */
export interface StopPoint {
  /** The step the signal is meant to land in. */
  readonly step: string;
  readonly after: RegExp;
}

/** The stop point of a setup step: its "starting" log line. */
export function atStepStart(step: string): StopPoint {
  return { step, after: new RegExp(`\\[${step.replace(/[-]/g, '\\-')}\\] (starting|checking)`) };
}

/** The launch: once the external system has started. */
export const AT_LAUNCH: StopPoint = { step: 'launch', after: /\[launch\] started pid=/ };

/** The verification: right after the external system exited (verification follows at once). */
export const AT_VERIFY: StopPoint = { step: 'verify', after: /\[launch\] exited with status 0/ };

export interface Stopped extends Finished {
  /** From the signal to the envoy's exit. */
  readonly stopMs: number;
}

/**
 * Starts an envoy, sends `signal` as soon as `point` is reached, and resolves when it has exited (and its
 * output is closed). Fails when the point is never reached.
 */
export async function stopAt(
  script: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
  point: StopPoint,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<Stopped> {
  const run = start(script, args, options);
  let exitedAt = 0;
  run.process.once('exit', () => {
    exitedAt = Date.now();
  });
  await waitFor(() => point.after.test(run.output()) || exitedAt > 0, 60_000, `${point.step} (${String(point.after)})`);
  const sentAt = Date.now();
  if (exitedAt === 0) run.process.kill(signal);
  const finished = await run.finished;
  return { ...finished, stopMs: (exitedAt || Date.now()) - sentAt };
}
