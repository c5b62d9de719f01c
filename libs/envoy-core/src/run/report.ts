import type { EnvoyError } from '../errors';
import type { Logger } from '../log/logger';
import type { Finding } from '../report/finding';
import { oneLine } from '../report/one-line';
import type { EventsRecord, LaunchRecord, RunReport } from '../report/report';
import { runPagePath, writeRunPage } from '../report/run-page/write';
import { SCHEMA_VERSION } from '../report/schema-version';
import { writeReport } from '../report/write-report';
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

/** What the end of a run releases and runs, besides the report. */
export interface RunEnd {
  readonly logger: Logger | undefined;
  readonly ownership: Ownership;
  readonly launcher: Launcher | undefined;
  /** Removes this process's own temporaries when a step was abandoned after a stop signal. */
  readonly removeOwnTemporaries: (() => Promise<void>) | undefined;
}

/**
 * The end of every run but `--check`: the outcome on stderr and in the log, the `finished` event, then the
 * report, the run page and the last status, and the launcher's work after the report.
 */
export async function reportRun(run: RunScope, outcome: RunOutcome, end: RunEnd): Promise<number> {
  const { observation, commandLine, outputs } = run;
  const { exitCode, failure } = outcome;
  const { logger } = end;
  observation.ended(exitCode, run.signals.received ?? undefined);
  if (failure) {
    printFailure(run.envoy, failure, run.redactor, commandLine.logFormat);
    logger?.error(oneLine(failure.message), { exitCode });
  } else {
    logger?.info(commandLine.dryRun ? 'dry run complete: nothing launched, nothing written' : 'succeeded', { exitCode });
  }
  const paths = { report: outputs.report, page: runPagePath(outputs.report) };
  if (end.ownership.lost) {
    // The directory is another run's: no report, status or page of this run may replace its own.
    observation.abandonStatus();
    await observation.finish(exitCode, failure, outcome.findings, paths);
  } else {
    await end.ownership.release();
    await end.removeOwnTemporaries?.();
    const events = await observation.finish(exitCode, failure, outcome.findings, paths);
    await writeRunReport(run, outcome, events);
    if (end.launcher?.afterReport && !commandLine.dryRun) {
      await end.launcher.afterReport(exitCode).catch((error: unknown) => {
        logger?.warn(`after the report: ${run.redactor.redact(error instanceof Error ? error.message : String(error))}`);
      });
    }
  }
  await logger?.flush();
  run.signals.settle();
  return exitCode;
}

/** `<envoy>-report.json` in the work directory, `--report FILE`, or beside a reviewed run's record (planOutputs). */
async function writeRunReport(run: RunScope, outcome: RunOutcome, events: EventsRecord | undefined): Promise<void> {
  const { commandLine, observation, record, redactor } = run;
  const { exitCode, failure } = outcome;
  if (commandLine.dryRun && !commandLine.report) return;
  const path = run.outputs.report;
  const stages = observation.stageRecords();
  const files = observation.fileRecords();
  const report: RunReport = redactor.redactValue({
    schemaVersion: SCHEMA_VERSION,
    envoy: run.envoy,
    version: run.definition.cli.version,
    mode: commandLine.mode,
    runId: run.runId,
    status: exitCode === 0 ? 'succeeded' : 'failed',
    exitCode,
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    dryRun: commandLine.dryRun,
    workDirectory: run.workDir,
    commandLine: [...run.argv],
    steps: [...record.steps],
    ...(outcome.launch ? { launch: outcome.launch } : {}),
    ...(stages.length > 0 ? { stages } : {}),
    findings: [...outcome.findings],
    ...(record.notes.length > 0 ? { notes: [...record.notes] } : {}),
    ...(failure ? { error: { message: failure.message, details: failure.details } } : {}),
    ...(run.signals.received ? { signal: run.signals.received } : {}),
    settings: outcome.settings?.describe() ?? [],
    ...(files.length > 0 ? { files } : {}),
    ...(events ? { events } : {}),
    details: { ...record.details },
  });
  const page = runPagePath(path);
  const failed = (what: string) => (error: unknown) => {
    // The exit status already says what went wrong; a report that cannot be written must not hide it.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${run.envoy}: could not write the ${what}: ${redactor.redact(message)}\n`);
  };
  // Written side by side: each is flushed to disk, and the waits overlap. A dry run writes only the JSON
  // report it was asked for.
  await Promise.all([
    writeReport(path, report, redactor).catch(failed('run report')),
    ...(commandLine.dryRun
      ? []
      : [
          writeRunPage({ report, pagePath: page, reportPath: path, statusPath: observation.statusPath, host: observation.identity.host }, redactor).catch(failed('run page')),
          observation.closeStatus({ exitCode, findings: outcome.findings.length, ...(failure ? { error: failure.message } : {}), report: path, page }),
        ]),
  ]);
}
