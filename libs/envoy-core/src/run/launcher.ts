import type { ParsedCommandLine } from '../cli/spec';
import type { Logger } from '../log/logger';
import type { LaunchPlan, LaunchResult, RunningProcess } from '../process/launch-plan';
import type { Redactor } from '../redact/redactor';
import type { Finding } from '../report/finding';
import type { FileRecord } from '../report/report';
import type { Settings } from '../settings';

/** What every launcher of a run can use: its settings, logger, directory and the run's abort signal. */
export interface EnvoyContext {
  readonly envoy: string;
  readonly version: string;
  readonly mode: string;
  readonly commandLine: ParsedCommandLine;
  readonly settings: Settings;
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** True for --dry-run: steps audit and plan but create and change no file. */
  readonly dryRun: boolean;
  /** The directory the run belongs to (report and output log go here). */
  readonly workDir: string;
  /** Aborted when the envoy receives SIGTERM, SIGINT or SIGHUP: long steps stop early. */
  readonly signal: AbortSignal;
  readonly startedAt: Date;
  /** The environment the envoy was started with (launch plans add to it; PATH lookups use it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory the envoy was started in (relative command-line paths are relative to it). */
  readonly cwd: string;
  /** Adds launcher-specific facts to the run report's `details`. */
  recordDetail(key: string, value: unknown): void;
  /**
   * One sentence a person must read on the run page even when the outcome alone looks plain (a handled
   * error the verdict weighed, a policy that decided it): the report's `notes`, shown under the outcome.
   */
  recordNote(text: string): void;
  /** A file worth a link on the run page and in the report's `files` (a log, the weblog, a product). */
  recordFile(file: FileRecord): void;
  /** What the external system is doing, for the live status file, the terminal's progress line and the run page. */
  readonly status: StatusHook;
  /** Lifecycle events for the workflow system (the life cycle sends the common ones). */
  readonly events: EventsHook;
  /**
   * Removes the temporaries that runs killed outright left in `dir` (see removeStaleTemporaries), logging
   * and reporting them (`details.removedTemporaries`). The life cycle does it for the run's own directory; a
   * launcher calls it for every other directory it writes into, before writing there. Nothing in a dry run.
   */
  removeStaleTemporaries(dir: string): Promise<void>;
  /**
   * Registers the payload of the envoy's at-death work (EnvoyDefinition.atDeath), run by the watchdog should
   * the envoy die without its teardown; undefined withdraws it (teardown has done the work). Ignored in a
   * dry run. The payload goes through a pipe, never a command line: it may hold credentials.
   */
  atDeath(payload: string | undefined): void;
}

/**
 * A launcher's part of the live status (`<envoy>-status.json`). The life cycle keeps state, step and times;
 * a launcher adds what only it knows. Every call is cheap: writes are coalesced, and in a dry run nothing
 * is written.
 */
export interface StatusHook {
  /** True when a person watches a terminal: progress shows on the progress line instead of periodic log lines. */
  readonly interactive: boolean;
  /** Facts of this envoy's own, as top-level keys (`staging`, `session`); a key set to undefined is removed. */
  update(facts: Readonly<Record<string, unknown>>): void;
  /** A fact computed at every write, for one that changes by itself (a session's time left); undefined removes it. */
  live(key: string, compute: (() => unknown) | undefined): void;
  /** What the progress line says about the external system besides the state and elapsed time. */
  progress(text: string | undefined): void;
  /** The stages the external system will run, in order (CASA: the PPR's ProcessingCommands). */
  planStages(tasks: readonly string[]): void;
  /** Stage `index` (from 1) began: the status's `stage`, a `stage-started` event, the progress line, one log line. */
  stageStarted(index: number, task: string): void;
  /**
   * Stage `index` ended; `failed` when evidence says so (the stage's End does not undo it); `skipped` when
   * the system passed it over (also a stage that never started): a `stage-skipped` event, one log line, the
   * status's `skippedStages` and the progress line's count.
   */
  stageFinished(index: number, outcome: 'succeeded' | 'failed' | 'skipped'): void;
}

/** Sends an event of the launcher's own to the workflow system (name and facts; the identity is added). */
export interface EventsHook {
  emit(event: string, facts?: Readonly<Record<string, unknown>>): void;
}

/** What a setup step does, for the live status: it checks (auditing) or it changes files (preparing). */
export type StepPhase = 'auditing' | 'preparing';

/** One named setup step: audit, correct, stage. Its result text becomes the step's `detail` in the report. */
export interface SetupStep {
  readonly name: string;
  /** Default: auditing for names that start with audit, check, find or locate; preparing otherwise. */
  readonly phase?: StepPhase;
  run(): Promise<string | void>;
}

/**
 * A launcher is one mode's kind of call of an external system (CONTRACT 1): setup steps in order, then one
 * launch, then an optional verification. The life cycle (run/drive.ts) executes them, times them, records
 * them and handles failures, signals and the report, so a launcher contains only what is specific to its system.
 */
export interface Launcher {
  readonly steps: readonly SetupStep[];
  /**
   * The launch; absent for a launcher that only checks (e.g. re-verifying a finished run), undefined when
   * this run has nothing to launch after all (e.g. an earlier attempt already did it).
   */
  launchPlan?(): LaunchPlan | undefined;
  /** Work that accompanies the running system (readiness checks, routes, a session lifetime). */
  whileRunning?(running: RunningProcess): Promise<void>;
  /**
   * Asked after a launch ended by itself (not stopped by a signal, a time limit or a failure while running):
   * a new plan launches the external system again (e.g. the port it was given was taken by another process
   * before it could bind it); undefined goes on to the verification. The launcher bounds the attempts.
   */
  relaunch?(result: LaunchResult): Promise<LaunchPlan | undefined>;
  /** Evidence that the run failed although it may have exited 0; empty means verified. */
  verify?(result: LaunchResult | undefined): Promise<readonly Finding[]>;
  /** Always runs at the end, also after failures and signals (remove routes, notify). */
  teardown?(): Promise<void>;
  /**
   * Runs once the run report is written, whatever the outcome: the place to remove a mark that said this
   * run was in progress, so that a run killed at any moment before it (its report missing) is recognised by
   * the next run. Failures are logged, not reported.
   */
  afterReport?(exitCode: number): Promise<void>;
}

export type LauncherFactory = (context: EnvoyContext) => Launcher;

/** Shorthand for a named setup step. */
export function step(name: string, run: () => Promise<string | void>, phase?: StepPhase): SetupStep {
  return phase ? { name, run, phase } : { name, run };
}

/** The phase of a setup step, by its declaration or its name. */
export function stepPhase(setup: SetupStep): StepPhase {
  return setup.phase ?? (/^(audit|check|find|locate)/.test(setup.name) ? 'auditing' : 'preparing');
}

/**
 * The verification every launch gets unless a launcher adds its own: a non-zero exit, or death by a signal
 * the envoy did not send, is a failure.
 */
export function exitStatusFindings(result: LaunchResult, program: string): Finding[] {
  if (result.exitCode !== null && result.exitCode !== 0) {
    return [{ file: program, line: null, rule: 'exit-status', text: `exited with status ${result.exitCode}` }];
  }
  if (result.signal !== null && result.stoppedBy === null) {
    return [{ file: program, line: null, rule: 'exit-status', text: `killed by ${result.signal}` }];
  }
  return [];
}
