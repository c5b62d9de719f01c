import type { Logger } from '../../log/logger';
import type { LaunchPlan, LaunchResult } from '../../process/launch-plan';
import type { Redactor } from '../../redact/redactor';
import type { RunIdentity } from '../../events/event';
import { SCHEMA_VERSION } from '../../report/schema-version';
import { StatusFile } from '../../status/status-file';
import type { RunEnded, RunObserver, RunState, StageFacts } from './observer';

/** The live status file `<envoy>-status.json` (CONTRACT 3.7): the state, step, launch and stages as they change. */
export class StatusObserver implements RunObserver {
  private readonly file: StatusFile;
  private logger: Logger | undefined;
  private launchFacts: Record<string, unknown> = {};

  constructor(identity: RunIdentity, path: string, redactor: Redactor) {
    this.file = new StatusFile(
      {
        schemaVersion: SCHEMA_VERSION,
        envoy: identity.envoy,
        version: identity.version,
        mode: identity.mode,
        runId: identity.runId,
        state: 'auditing',
        step: null,
        startedAt: identity.startedAt,
        host: identity.host,
        pid: process.pid,
        workDirectory: identity.workDirectory,
      },
      {
        path,
        redactor,
        onError: (error) => this.logger?.warn(`cannot write the status file ${path}: ${error instanceof Error ? error.message : String(error)}`),
      },
    );
  }

  /** A fact computed at every write (`EnvoyContext.status.live`). */
  live(key: string, compute: (() => unknown) | undefined): void {
    this.file.setLive(key, compute);
  }

  onStart(_settings: unknown, logger: Logger): void {
    this.logger = logger;
    this.file.start();
  }

  onPhaseStart(state: RunState, step: string): void {
    this.file.update({ state, step });
  }

  onLaunched(pid: number, plan: LaunchPlan): void {
    this.launchFacts = { state: 'running', pid, command: plan.argv[0], startedAt: new Date().toISOString() };
    this.file.update({ state: 'running', step: 'launch', launch: this.launchFacts });
  }

  onLaunchEnded(result: LaunchResult): void {
    this.launchFacts = { ...this.launchFacts, state: 'exited', exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs };
    this.file.update({ launch: this.launchFacts });
  }

  onFacts(facts: Readonly<Record<string, unknown>>): void {
    this.file.update(facts);
  }

  onStageStarted(stage: StageFacts): void {
    this.file.update({ stage });
  }

  onStageSkipped(_stage: StageFacts, skipped: readonly { index: number; task: string }[]): void {
    this.file.update({ skippedStages: skipped });
  }

  onEnded(_state: RunState, directoryLost: boolean): void {
    // The directory is another run's: its status file is not written again.
    if (directoryLost) this.file.abandon();
  }

  /** The last write: the outcome and where the report and the run page are. */
  async onFinish(end: RunEnded): Promise<void> {
    if (end.directoryLost) return;
    const { exitCode, failure, findings, report, page } = end;
    await this.file.close({ state: end.state, finishedAt: new Date().toISOString(), exitCode, findings: findings.length, ...(failure ? { error: failure.message } : {}), report, page });
  }
}
