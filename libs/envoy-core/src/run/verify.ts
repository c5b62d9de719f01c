import { ExternalFailureError, InterruptedError } from '../errors';
import type { LaunchPlan, LaunchResult } from '../process/launch-plan';
import type { Finding } from '../report/finding';
import { findingContextLines, findingSummary } from '../report/finding-text';
import { exitStatusFindings, type Launcher } from './launcher';
import type { StartedRun } from './scope';
import type { StepRunner } from './steps';

/** The verification's findings (empty: verified), and the failure they, or a stop signal, make of the run. */
export interface Verified {
  readonly findings: readonly Finding[];
  readonly failure?: unknown;
}

/** The launcher's verification, or the exit status of a launch that has none (CONTRACT 3.4). */
export async function verify(run: StartedRun, steps: StepRunner, launcher: Launcher, result: LaunchResult | undefined, plan: LaunchPlan | undefined): Promise<Verified> {
  if (!launcher.verify && !result) return { findings: [] };
  const verifier = launcher.verify ? (r: LaunchResult | undefined) => launcher.verify?.(r) ?? Promise.resolve([]) : undefined;
  run.observers.verifying();
  let findings: readonly Finding[] = [];
  const failure = await steps.timed('verify', async () => {
    const found = verifier ? await verifier(result) : exitStatusFindings(result as LaunchResult, plan?.argv[0] ?? '');
    findings = [...found];
    if (found.length === 0) return 'verified';
    const first = found[0] as Finding;
    const more = found.length > 1 ? ` (and ${found.length - 1} more finding${found.length > 2 ? 's' : ''})` : '';
    // The first finding's log lines come first: for a SEVERE they are its traceback, the why of the failure.
    throw new ExternalFailureError(`verification failed: ${findingSummary(first)}${more}`, [...findingContextLines(first), ...found.slice(1, 20).map(findingSummary)]);
  });
  if (run.signals.received) return { findings, failure: new InterruptedError(run.signals.received) };
  return failure ? { findings, failure } : { findings };
}
