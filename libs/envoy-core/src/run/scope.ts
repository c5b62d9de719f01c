import type { ParsedCommandLine } from '../cli/spec';
import type { Logger } from '../log/logger';
import type { SignalHub } from '../process/signals';
import type { Redactor } from '../redact/redactor';
import type { OutputPaths } from '../report/outputs';
import type { Settings } from '../settings';
import type { EnvoyDefinition } from './definition';
import type { RunObservers } from './observers/observers';
import type { RunRecord } from './run-record';

/** One invocation of an envoy, as the command line and the start of the process fixed it. */
export interface RunScope {
  readonly definition: EnvoyDefinition;
  readonly envoy: string;
  readonly commandLine: ParsedCommandLine;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly outputs: OutputPaths;
  /** The directory the run belongs to (report and output log go here). */
  readonly workDir: string;
  readonly runId: string;
  readonly startedAt: Date;
  readonly redactor: Redactor;
  readonly signals: SignalHub;
  readonly observers: RunObservers;
  readonly record: RunRecord;
}

/** A run whose settings and logger are ready (the result of start-up). */
export interface StartedRun extends RunScope {
  readonly settings: Settings;
  readonly logger: Logger;
}
