import type { EnvoyError } from '../errors';
import type { Logger } from '../log/logger';
import type { Finding } from '../report/finding';
import { oneLine } from '../report/one-line';
import type { LaunchRecord } from '../report/report';
import { runPagePath } from '../report/run-page/write';
import type { Settings } from '../settings';
import { printFailure } from './failure';
import type { Launcher } from './launcher';
import type { RunScope } from './scope';
import type { Ownership } from './start-up';

/** How the run ended, as the report tells it. */
export interface RunOutcome {
  readonly exitCode: number;
  readonly failure: EnvoyError | undefined;
  readonly launch: LaunchRecord | undefined;
  readonly findings: readonly Finding[];
  /** Absent when the run failed before its settings were read. */
  readonly settings: Settings | undefined;
}

/** What the end of a run releases and runs, besides what its observers write. */
export interface RunEnd {
  readonly logger: Logger | undefined;
  readonly ownership: Ownership;
  readonly launcher: Launcher | undefined;
  /** Removes this process's own temporaries when a step was abandoned after a stop signal. */
  readonly removeOwnTemporaries: (() => Promise<void>) | undefined;
}

/**
 * The end of every run but `--check`: the outcome on stderr and in the log, the directory released, then
 * the observers' last word (the `finished` event, the last status, the report and its page), and the
 * launcher's work after the report.
 */
export async function reportRun(run: RunScope, outcome: RunOutcome, end: RunEnd): Promise<number> {
  const { observers, commandLine, outputs } = run;
  const { exitCode, failure } = outcome;
  const { logger } = end;
  const directoryLost = end.ownership.lost !== undefined;
  const state = observers.ended(exitCode, run.signals.received ?? undefined, directoryLost);
  if (failure) {
    printFailure(run.envoy, failure, run.redactor, commandLine.logFormat);
    logger?.error(oneLine(failure.message), { exitCode });
  } else {
    logger?.info(commandLine.dryRun ? 'dry run complete: nothing launched, nothing written' : 'succeeded', { exitCode });
  }
  // The directory is another run's: no report, status or page of this run may replace its own.
  if (!directoryLost) {
    await end.ownership.release();
    await end.removeOwnTemporaries?.();
  }
  await observers.finish({ ...outcome, state, directoryLost, report: outputs.report, page: runPagePath(outputs.report) });
  if (!directoryLost && end.launcher?.afterReport && !commandLine.dryRun) {
    await end.launcher.afterReport(exitCode).catch((error: unknown) => {
      logger?.warn(`after the report: ${run.redactor.redact(error instanceof Error ? error.message : String(error))}`);
    });
  }
  await logger?.flush();
  run.signals.settle();
  return exitCode;
}
