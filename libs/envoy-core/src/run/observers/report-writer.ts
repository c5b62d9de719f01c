import type { Redactor } from '../../redact/redactor';
import type { EventsRecord, RunReport, StepRecord } from '../../report/report';
import { writeRunPage } from '../../report/run-page/write';
import { SCHEMA_VERSION } from '../../report/schema-version';
import { writeReport } from '../../report/write-report';
import type { RunRecord } from '../run-record';
import type { RunEnded, RunObserver } from './observer';
import type { RunView } from './run-view';

/** What the report says of the run besides what its observers saw. */
export interface ReportFacts {
  readonly envoy: string;
  readonly version: string;
  readonly mode: string;
  readonly runId: string;
  readonly startedAt: Date;
  readonly workDir: string;
  readonly argv: readonly string[];
  readonly host: string;
  readonly statusPath: string;
  /** A dry run writes only the JSON report it was asked for (`--report`), and no page. */
  readonly dryRun: boolean;
  readonly reportAsked: boolean;
  readonly signal: () => NodeJS.Signals | null;
}

/** The run report and its run page (CONTRACT 3.7): the steps as they ended, written once the run is over. */
export class ReportWriter implements RunObserver {
  private readonly steps: StepRecord[] = [];

  constructor(
    private readonly facts: ReportFacts,
    private readonly view: RunView,
    private readonly record: RunRecord,
    private readonly events: () => EventsRecord | undefined,
    private readonly redactor: Redactor,
  ) {}


  onStep(record: StepRecord): void {
    this.steps.push(record);
  }

  async onFinish(end: RunEnded): Promise<void> {
    const { facts, redactor } = this;
    if (end.directoryLost || (facts.dryRun && !facts.reportAsked)) return;
    const { exitCode, failure } = end;
    const stages = this.view.stages.records();
    const files = [...this.view.files];
    const events = this.events();
    const signal = facts.signal();
    const report: RunReport = redactor.redactValue({
      schemaVersion: SCHEMA_VERSION,
      envoy: facts.envoy,
      version: facts.version,
      mode: facts.mode,
      runId: facts.runId,
      status: exitCode === 0 ? 'succeeded' : 'failed',
      exitCode,
      startedAt: facts.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      dryRun: facts.dryRun,
      workDirectory: facts.workDir,
      commandLine: [...facts.argv],
      steps: this.steps,
      ...(end.launch ? { launch: end.launch } : {}),
      ...(stages.length > 0 ? { stages } : {}),
      findings: [...end.findings],
      ...(this.record.notes.length > 0 ? { notes: [...this.record.notes] } : {}),
      ...(failure ? { error: { message: failure.message, details: failure.details } } : {}),
      ...(signal ? { signal } : {}),
      settings: end.settings?.describe() ?? [],
      ...(files.length > 0 ? { files } : {}),
      ...(events ? { events } : {}),
      details: { ...this.record.details },
    });
    const failed = (what: string) => (error: unknown) => {
      // The exit status already says what went wrong; a report that cannot be written must not hide it.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${facts.envoy}: could not write the ${what}: ${redactor.redact(message)}\n`);
    };
    // Written side by side: each is flushed to disk, and the waits overlap.
    await Promise.all([
      writeReport(end.report, report, redactor).catch(failed('run report')),
      ...(facts.dryRun ? [] : [writeRunPage({ report, pagePath: end.page, reportPath: end.report, statusPath: facts.statusPath, host: facts.host }, redactor).catch(failed('run page'))]),
    ]);
  }
}
