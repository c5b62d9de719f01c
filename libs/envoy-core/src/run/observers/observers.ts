import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import type { RunIdentity } from '../../events/event';
import type { Logger } from '../../log/logger';
import type { LaunchPlan, LaunchResult } from '../../process/launch-plan';
import type { Redactor } from '../../redact/redactor';
import type { FileRecord, StepRecord } from '../../report/report';
import type { Settings } from '../../settings';
import type { Terminal } from '../../status/progress-line';
import type { EventsHook, StatusHook } from '../launcher';
import type { RunRecord } from '../run-record';
import { EventsObserver } from './events-observer';
import type { RunEnded, RunObserver, RunState } from './observer';
import { ProgressObserver } from './progress-observer';
import { ReportWriter } from './report-writer';
import { RunView } from './run-view';
import { StatusObserver } from './status-observer';

export interface ObserversOptions {
  readonly envoy: string;
  readonly version: string;
  readonly mode: string;
  readonly runId: string;
  readonly workDir: string;
  readonly startedAt: Date;
  readonly argv: readonly string[];
  /** True for a dry run: no status, progress line or event, and a report only when asked for. */
  readonly dryRun: boolean;
  /** A preflight (`--check`) is no run: it sends no event, keeps no status and writes no report. */
  readonly check: boolean;
  readonly reportAsked: boolean;
  readonly redactor: Redactor;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the live status goes (`<envoy>-status.json` in the work directory unless planOutputs moved it). */
  readonly statusPath: string;
  /** Text logs on a terminal get a progress line; JSON logs are for machines. */
  readonly textLogs: boolean;
  readonly terminal?: Terminal & Writable;
  readonly record: RunRecord;
  readonly signal: () => NodeJS.Signals | null;
}

/**
 * The observers of a run, registered in the order they are told: events, status file, progress line,
 * report and run page. The phases tell this where the life cycle is; launchers add their part through the
 * context's `status` and `events` hooks.
 */
export class RunObservers {
  readonly identity: RunIdentity;
  private readonly view = new RunView();
  private readonly events: EventsObserver;
  private readonly status: StatusObserver | undefined;
  private readonly progressLine: ProgressObserver | undefined;
  private readonly observers: readonly RunObserver[];
  private logger: Logger | undefined;

  constructor(private readonly options: ObserversOptions) {
    this.identity = {
      runId: options.runId,
      envoy: options.envoy,
      version: options.version,
      mode: options.mode,
      workDirectory: options.workDir,
      startedAt: options.startedAt.toISOString(),
      host: hostname(),
    };
    const quiet = options.dryRun || options.check;
    this.events = new EventsObserver(this.identity, options.redactor, !quiet);
    if (!quiet) {
      this.status = new StatusObserver(this.identity, options.statusPath, options.redactor);
      if (options.textLogs && options.terminal) this.progressLine = ProgressObserver.forTerminal(options.terminal, options.env, this.view, options.envoy, options.startedAt);
    }
    const report = new ReportWriter(
      { ...options, host: this.identity.host },
      this.view,
      options.record,
      () => this.events.delivered,
      options.redactor,
    );
    this.observers = [this.events, ...(this.status ? [this.status] : []), ...(this.progressLine ? [this.progressLine] : []), report];
  }

  /** Where the logger writes: through the progress line when there is one. */
  loggerStream(): (Writable & { isTTY?: boolean }) | undefined {
    return this.progressLine && this.options.terminal ? this.progressLine.line.wrap(this.options.terminal) : undefined;
  }

  /** Where the external system's output goes: through the progress line when there is one. */
  outputStreams(): { stdout?: Writable; stderr?: Writable } {
    if (!this.progressLine) return {};
    return { stdout: this.progressLine.line.wrap(process.stdout), stderr: this.progressLine.line.wrap(process.stderr) };
  }

  /** Settings and logger are ready: events can be sent and the status file kept. */
  configure(settings: Settings, logger: Logger): void {
    this.logger = logger;
    for (const observer of this.observers) observer.onStart?.(settings, logger);
  }

  /** The hooks launchers use through their context. */
  hooks(): { status: StatusHook; events: EventsHook; recordFile: (file: FileRecord) => void } {
    const status: StatusHook = {
      interactive: this.progressLine !== undefined,
      update: (facts) => this.tell((observer) => observer.onFacts?.(facts)),
      live: (key, compute) => this.status?.live(key, compute),
      progress: (text) => {
        this.view.setProgress(text);
        this.tell((observer) => observer.onProgress?.());
      },
      planStages: (tasks) => this.view.stages.plan(tasks),
      stageStarted: (index, task) => this.stageStarted(index, task),
      stageFinished: (index, outcome) => (outcome === 'skipped' ? this.stageSkipped(index) : this.view.stages.finish(index, outcome, new Date())),
    };
    return { status, events: { emit: (event, facts) => this.events.emit(event, facts) }, recordFile: (file) => this.view.addFile(file) };
  }

  stepStarted(name: string, state: RunState): void {
    this.view.enter(state, name);
    this.tell((observer) => observer.onPhaseStart?.(state, name));
  }

  stepFinished(record: StepRecord): void {
    this.tell((observer) => observer.onStep?.(record));
  }

  launched(pid: number, plan: LaunchPlan): void {
    this.view.enter('running', 'launch');
    this.tell((observer) => observer.onLaunched?.(pid, plan));
  }

  launchEnded(result: LaunchResult): void {
    this.tell((observer) => observer.onLaunchEnded?.(result));
  }

  verifying(): void {
    this.stepStarted('verify', 'verifying');
  }

  /** The run is over (its exit status is known): the final state, the stages settled, the progress line gone. */
  ended(exitCode: number, signal: string | undefined, directoryLost: boolean): RunState {
    const state: RunState = exitCode === 0 ? 'succeeded' : signal ? 'stopped' : 'failed';
    this.view.enter(state);
    this.view.stages.settle(state === 'succeeded' ? 'succeeded' : state, new Date());
    this.tell((observer) => observer.onEnded?.(state, directoryLost));
    return state;
  }

  /** The last word of every observer, in turn: the `finished` event, the last status, the report and its page. */
  async finish(end: RunEnded): Promise<void> {
    for (const observer of this.observers) await observer.onFinish?.(end);
  }

  private tell(notify: (observer: RunObserver) => void): void {
    for (const observer of this.observers) notify(observer);
  }

  private stageStarted(index: number, task: string): void {
    const { stages } = this.view;
    const stage = stages.start(index, task, new Date());
    const facts = { index, count: Math.max(stages.count, index), task, startedAt: stage.startedAt };
    this.tell((observer) => observer.onStageStarted?.(facts));
    this.logger?.child('launch').info(`stage ${index}/${facts.count}: ${task}`);
  }

  private stageSkipped(index: number): void {
    const { stages } = this.view;
    stages.finish(index, 'skipped', new Date());
    const stage = stages.skipped.find((record) => record.index === index);
    if (!stage) return;
    const facts = { index, count: Math.max(stages.count, index), task: stage.task };
    const skipped = stages.skipped.map((record) => ({ index: record.index, task: record.task }));
    this.tell((observer) => observer.onStageSkipped?.(facts, skipped));
    this.logger?.child('launch').info(`stage ${index}/${facts.count}: ${stage.task} skipped`);
  }
}
