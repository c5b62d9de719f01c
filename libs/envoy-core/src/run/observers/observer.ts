import type { EnvoyError } from '../../errors';
import type { Logger } from '../../log/logger';
import type { LaunchPlan, LaunchResult } from '../../process/launch-plan';
import type { Finding } from '../../report/finding';
import type { LaunchRecord, StepRecord } from '../../report/report';
import type { Settings } from '../../settings';

/** What the live status says the run is doing (CONTRACT 3.7: the status file's `state`). */
export type RunState = 'auditing' | 'preparing' | 'running' | 'verifying' | 'succeeded' | 'failed' | 'stopped';

/** A stage of the external system, as the status file, the events and the log show it. */
export interface StageFacts {
  readonly index: number;
  readonly count: number;
  readonly task: string;
  readonly startedAt?: string;
}

/** The end of a run, as its observers record it. */
export interface RunEnded {
  readonly state: RunState;
  readonly exitCode: number;
  readonly failure: EnvoyError | undefined;
  readonly findings: readonly Finding[];
  readonly launch: LaunchRecord | undefined;
  /** Absent when the run failed before its settings were read. */
  readonly settings: Settings | undefined;
  /** The directory is another run's: nothing of this run may replace its files there. */
  readonly directoryLost: boolean;
  readonly report: string;
  readonly page: string;
}

/**
 * What shows a run while it goes on and after it ended (the status file, the progress line, the events,
 * the report and its page): each is told where the life cycle is, in this order, and keeps what it shows.
 */
export interface RunObserver {
  /** Settings and logger are ready. */
  onStart?(settings: Settings, logger: Logger): void;
  /** A step (or the launch, or the verification) begins. */
  onPhaseStart?(state: RunState, step: string): void;
  /** A step ended (the launch and the verification are steps too). */
  onStep?(record: StepRecord): void;
  onLaunched?(pid: number, plan: LaunchPlan): void;
  onLaunchEnded?(result: LaunchResult): void;
  /** Facts of the launcher's own for the live status (`EnvoyContext.status.update`). */
  onFacts?(facts: Readonly<Record<string, unknown>>): void;
  onStageStarted?(stage: StageFacts): void;
  onStageSkipped?(stage: StageFacts, skipped: readonly { index: number; task: string }[]): void;
  /** Something changed that only the progress line shows. */
  onProgress?(): void;
  /** The exit status is known: the final state; `directoryLost` when the directory is another run's now. */
  onEnded?(state: RunState, directoryLost: boolean): void;
  /** The last word: what each observer writes or sends once the run is over, in the order registered. */
  onFinish?(end: RunEnded): Promise<void>;
}
