import { EnvoyError, ExitCode, InterruptedError } from '../errors';
import type { Logger } from '../log/logger';
import type { Finding } from '../report/finding';
import type { LaunchRecord } from '../report/report';
import type { Settings } from '../settings';
import { checkNode, dryRunChecks, finishCheck } from './check';
import { launcherContext } from './context';
import { printPlan } from './dry-run';
import { asEnvoyError } from './failure';
import { graceMs, launch } from './launch';
import { prepare, type Prepared } from './prepare';
import { reportRun } from './report';
import type { RunScope, StartedRun } from './scope';
import { announce, loadRunSettings, openLogger, Ownership } from './start-up';
import { StepRunner } from './steps';
import { Temporaries } from './temporaries';
import { verify } from './verify';

/**
 * The life cycle of one run (CONTRACT 1): start-up, prepare, the mode's setup steps (audit and prepare),
 * launch, verify, report. Each phase hands its result to the next; the first failure skips to the end, where
 * teardown runs and the failure, a stop signal or a lost directory decides the exit status.
 */
export async function drive(scope: RunScope): Promise<number> {
  const { commandLine, signals } = scope;
  signals.install();
  const ownership = new Ownership();
  let settings: Settings | undefined;
  let logger: Logger | undefined;
  let steps: StepRunner | undefined;
  let temporaries: Temporaries | undefined;
  let prepared: Prepared | undefined;
  let launched: LaunchRecord | undefined;
  let findings: readonly Finding[] = [];
  let failure: EnvoyError | undefined;
  try {
    // Start-up: settings, logger, the directory's lease; the observers start.
    settings = await loadRunSettings(scope);
    logger = await openLogger(scope, settings);
    const run: StartedRun = { ...scope, settings, logger };
    steps = new StepRunner(run);
    temporaries = new Temporaries(run);
    if (!commandLine.dryRun && !commandLine.check) await ownership.take(run);
    scope.observers.configure(settings, logger);
    announce(run);
    if (commandLine.check) {
      await checkNode(run, launcherContext(run, temporaries, () => undefined));
      return await finishCheck(scope, logger);
    }

    prepared = await prepare(run, temporaries);
    await steps.setup(prepared.launcher.steps);
    if (commandLine.dryRun) await dryRunChecks(run, prepared.context, steps);
    const plan = prepared.launcher.launchPlan?.();
    if (commandLine.dryRun) {
      printPlan(scope, plan);
    } else {
      const outcome = plan ? await launch(run, steps, prepared, plan) : undefined;
      launched = outcome?.record;
      if (outcome?.failure !== undefined) throw outcome.failure;
      const verified = await verify(run, steps, prepared.launcher, outcome?.result, plan);
      findings = verified.findings;
      if (verified.failure !== undefined) throw verified.failure;
    }
    await ownership.confirm();
  } catch (error) {
    failure = asEnvoyError(error);
    if (commandLine.check) return await finishCheck(scope, logger, failure);
  } finally {
    const teardown = prepared?.launcher.teardown?.bind(prepared.launcher);
    if (teardown && steps && settings) {
      // Teardown is part of stopping (routes removed, the end announced): it may use the grace period.
      const teardownFailure = await steps.timed('teardown', () => teardown().then(() => 'done'), graceMs(settings));
      failure ??= teardownFailure;
    }
  }
  failure = outcomeFailure(failure, ownership, signals.received);
  return reportRun(
    scope,
    { exitCode: failure?.exitCode ?? ExitCode.Success, failure, launch: launched, findings, settings },
    { logger, ownership, launcher: prepared?.launcher, removeOwnTemporaries: steps?.abandoned ? () => temporaries?.removeOwn() ?? Promise.resolve() : undefined },
  );
}

/** What decides the exit status: a lost directory first, then a stop signal, then the run's own failure. */
function outcomeFailure(failure: EnvoyError | undefined, ownership: Ownership, signal: NodeJS.Signals | null): EnvoyError | undefined {
  // Refused, or lost to another run: that, not how the stop went, is the outcome.
  if (ownership.lost) return ownership.lost;
  // A signal that arrived while the run was failing anyway still decides the exit status: the scheduler
  // asked the job to stop, and 128+N tells it that is what happened.
  if (signal && !(failure instanceof InterruptedError)) return new InterruptedError(signal, failure ? `stopped by ${signal}: ${failure.message}` : undefined);
  return failure;
}
