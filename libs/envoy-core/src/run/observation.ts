import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import type { EnvoyError } from '../errors';
import { eventsFromSettings } from '../events/configure';
import type { RunIdentity } from '../events/event';
import { RunEvents } from '../events/run-events';
import type { Logger } from '../log/logger';
import type { LaunchPlan, LaunchResult } from '../process/launch-plan';
import type { Redactor } from '../redact/redactor';
import type { Finding } from '../report/finding';
import { findingSummary } from '../report/finding-text';
import type { EventsRecord, FileRecord, StageRecord, StepRecord } from '../report/report';
import { SCHEMA_VERSION } from '../report/schema-version';
import type { Settings } from '../settings';
import { ProgressLine, type Terminal } from '../status/progress-line';
import { StageTimeline } from '../status/stages';
import { StatusFile } from '../status/status-file';
import type { EventsHook, StatusHook } from './launcher';

/** What the live status says the run is doing (CONTRACT 3.7: the status file's `state`). */
export type RunState = 'auditing' | 'preparing' | 'running' | 'verifying' | 'succeeded' | 'failed' | 'stopped';

export interface ObservationOptions {
  readonly envoy: string;
  readonly version: string;
  readonly mode: string;
  readonly runId: string;
  readonly workDir: string;
  readonly startedAt: Date;
  readonly dryRun: boolean;
  readonly redactor: Redactor;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the live status goes (`<envoy>-status.json` in the work directory unless planOutputs moved it). */
  readonly statusPath: string;
  /** Text logs on a terminal get a progress line; JSON logs are for machines. */
  readonly textLogs: boolean;
  readonly terminal?: Terminal & Writable;
}

/** `1:02:03` or `2:03`. */
function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h > 0 ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * Everything that shows a run while it goes on and after it ended, besides the report: the live status
 * file, the terminal's progress line, the external system's stages, the lifecycle events, and the files
 * the run page links to. The runner tells it where the life cycle is; launchers add their part through
 * the context's `status` and `events` hooks. In a dry run it writes and sends nothing.
 */
export class RunObservation {
  readonly identity: RunIdentity;
  readonly statusPath: string;
  private readonly statusFile: StatusFile | undefined;
  private readonly line: ProgressLine | undefined;
  private readonly stages = new StageTimeline();
  private readonly files: FileRecord[] = [];
  private events: RunEvents;
  private logger: Logger | undefined;
  private state: RunState = 'auditing';
  private step: string | undefined;
  private launcherProgress: string | undefined;
  private launchFacts: Record<string, unknown> = {};

  constructor(private readonly options: ObservationOptions) {
    this.identity = {
      runId: options.runId,
      envoy: options.envoy,
      version: options.version,
      mode: options.mode,
      workDirectory: options.workDir,
      startedAt: options.startedAt.toISOString(),
      host: hostname(),
    };
    this.statusPath = options.statusPath;
    this.events = new RunEvents(this.identity, [], options.redactor);
    if (!options.dryRun) {
      this.statusFile = new StatusFile(
        {
          schemaVersion: SCHEMA_VERSION,
          envoy: options.envoy,
          version: options.version,
          mode: options.mode,
          runId: options.runId,
          state: this.state,
          step: null,
          startedAt: this.identity.startedAt,
          host: this.identity.host,
          pid: process.pid,
          workDirectory: options.workDir,
        },
        {
          path: this.statusPath,
          redactor: options.redactor,
          onError: (error) => this.logger?.warn(`cannot write the status file ${this.statusPath}: ${error instanceof Error ? error.message : String(error)}`),
        },
      );
      if (options.textLogs && options.terminal) this.line = ProgressLine.forTerminal(options.terminal, options.env, () => this.progressText());
    }
  }

  /** Where the logger writes: through the progress line when there is one. */
  loggerStream(): (Writable & { isTTY?: boolean }) | undefined {
    return this.line && this.options.terminal ? this.line.wrap(this.options.terminal) : undefined;
  }

  /** Where the external system's output goes: through the progress line when there is one. */
  outputStreams(): { stdout?: Writable; stderr?: Writable } {
    if (!this.line) return {};
    return { stdout: this.line.wrap(process.stdout), stderr: this.line.wrap(process.stderr) };
  }

  /** Settings and logger are ready: events can be sent and the status file kept. */
  configure(settings: Settings, logger: Logger): void {
    this.logger = logger;
    if (!this.options.dryRun) {
      this.events = eventsFromSettings(settings, this.identity, this.options.redactor);
      this.events.useLogger(logger.child('events'));
    }
    this.events.emit('started', { pid: process.pid });
    this.statusFile?.start();
    this.line?.start();
  }

  /** The hooks launchers use through their context. */
  hooks(): { status: StatusHook; events: EventsHook; recordFile: (file: FileRecord) => void } {
    const status: StatusHook = {
      interactive: this.line !== undefined,
      update: (facts) => this.statusFile?.update(facts),
      live: (key, compute) => this.statusFile?.setLive(key, compute),
      progress: (text) => {
        this.launcherProgress = text;
        this.line?.draw();
      },
      planStages: (tasks) => this.stages.plan(tasks),
      stageStarted: (index, task) => this.stageStarted(index, task),
      stageFinished: (index, outcome) => (outcome === 'skipped' ? this.stageSkipped(index) : this.stages.finish(index, outcome, new Date())),
    };
    return {
      status,
      events: { emit: (event, facts) => this.events.emit(event, facts) },
      recordFile: (file) => {
        if (!this.files.some((known) => known.path === file.path)) this.files.push(file);
      },
    };
  }

  stepStarted(name: string, state: RunState): void {
    this.state = state;
    this.step = name;
    this.statusFile?.update({ state, step: name });
    this.line?.draw();
  }

  stepFinished(record: StepRecord): void {
    this.events.emit('step-finished', { step: record.name, status: record.status, durationMs: record.durationMs, detail: record.detail });
  }

  launched(pid: number, plan: LaunchPlan): void {
    this.state = 'running';
    this.step = 'launch';
    this.launchFacts = { state: 'running', pid, command: plan.argv[0], startedAt: new Date().toISOString() };
    this.statusFile?.update({ state: 'running', step: 'launch', launch: this.launchFacts });
    this.events.emit('launched', { pid, argv: plan.argv, cwd: plan.cwd });
    this.line?.draw();
  }

  launchEnded(result: LaunchResult): void {
    this.launchFacts = { ...this.launchFacts, state: 'exited', exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs };
    this.statusFile?.update({ launch: this.launchFacts });
  }

  verifying(): void {
    this.stepStarted('verify', 'verifying');
  }

  private stageStarted(index: number, task: string): void {
    const stage = this.stages.start(index, task, new Date());
    const facts = { index, count: Math.max(this.stages.count, index), task, startedAt: stage.startedAt };
    this.statusFile?.update({ stage: facts });
    this.events.emit('stage-started', { stage: facts });
    this.logger?.child('launch').info(`stage ${index}/${facts.count}: ${task}`);
    this.line?.draw();
  }

  private stageSkipped(index: number): void {
    this.stages.finish(index, 'skipped', new Date());
    const skipped = this.stages.skipped;
    const stage = skipped.find((record) => record.index === index);
    if (!stage) return;
    const facts = { index, count: Math.max(this.stages.count, index), task: stage.task };
    this.statusFile?.update({ skippedStages: skipped.map((record) => ({ index: record.index, task: record.task })) });
    this.events.emit('stage-skipped', { stage: facts });
    this.logger?.child('launch').info(`stage ${index}/${facts.count}: ${stage.task} skipped`);
    this.line?.draw();
  }

  /** The run is over (its exit status is known): the final state, the stages settled, the progress line gone. */
  ended(exitCode: number, signal: string | undefined): void {
    this.state = exitCode === 0 ? 'succeeded' : signal ? 'stopped' : 'failed';
    this.stages.settle(this.state === 'succeeded' ? 'succeeded' : this.state, new Date());
    this.line?.stop();
  }

  /**
   * Sends `finished` and waits (bounded) for the events still under way. Returns the delivery counts for
   * the report, or undefined when no events are configured.
   */
  async finish(exitCode: number, failure: EnvoyError | undefined, findings: readonly Finding[], paths: { report: string; page: string }): Promise<EventsRecord | undefined> {
    const first = findings[0];
    this.events.emit('finished', {
      status: exitCode === 0 ? 'succeeded' : 'failed',
      state: this.state,
      exitCode,
      findingsCount: findings.length,
      ...(first ? { firstFinding: findingSummary(first) } : {}),
      ...(failure ? { error: failure.message } : {}),
      durationMs: Date.now() - this.options.startedAt.getTime(),
      report: paths.report,
      page: paths.page,
    });
    // After a stop signal the scheduler's grace period is running: little time for stragglers.
    return this.events.close(this.state === 'stopped' ? 2000 : 10_000);
  }

  /** The directory is no longer this run's: the status file is not written again. */
  abandonStatus(): void {
    this.statusFile?.abandon();
  }

  /** The last write of the status file: the outcome and where the report and the run page are. */
  async closeStatus(facts: { exitCode: number; findings: number; error?: string; report: string; page: string }): Promise<void> {
    await this.statusFile?.close({ state: this.state, finishedAt: new Date().toISOString(), ...facts });
  }

  stageRecords(): StageRecord[] {
    return this.stages.records();
  }

  fileRecords(): FileRecord[] {
    return [...this.files];
  }

  private progressText(): string {
    const parts = [`${this.options.envoy}: ${this.state}${this.step && (this.state === 'auditing' || this.state === 'preparing') ? ` ${this.step}` : ''}`];
    const current = this.stages.current();
    if (current?.status === 'running' && current.startedAt) {
      parts.push(`stage ${current.index}/${Math.max(this.stages.count, current.index)} ${current.task} (${clock(Date.now() - Date.parse(current.startedAt))})`);
    }
    const skipped = this.stages.skipped.length;
    if (skipped > 0) parts.push(`${skipped} skipped`);
    if (this.launcherProgress) parts.push(this.launcherProgress);
    parts.push(clock(Date.now() - this.options.startedAt.getTime()));
    return parts.join(' · ');
  }
}
