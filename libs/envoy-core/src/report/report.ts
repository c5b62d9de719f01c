import type { Finding } from './finding';

export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'planned';

export interface StepRecord {
  readonly name: string;
  readonly status: StepStatus;
  /** When the step began (ISO 8601): the run page draws the steps on a time line. */
  readonly startedAt?: string;
  readonly durationMs: number;
  readonly detail: string;
}

export interface LaunchRecord {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Only the variables the envoy set (and removed), not the whole environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly unsetEnv: readonly string[];
  readonly pid: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly stoppedBy: string | null;
  readonly outputLog: string | null;
}

/**
 * What became of a stage of the external system (CASA: one pipeline task): `pending` was never reached,
 * `running` was under way when the run ended without a verdict, `stopped` when the envoy was stopped,
 * `skipped` when the system passed it over on purpose (the pipeline's SPECTRAL_MODE, a breakpoint).
 */
export type StageStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'stopped' | 'skipped';

export interface StageRecord {
  /** From 1, in the order the external system runs them. */
  readonly index: number;
  readonly task: string;
  readonly status: StageStatus;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

/** A file a person looking at the run wants to open: a log, the external system's own report, a product. */
export interface FileRecord {
  readonly role: 'log' | 'weblog' | 'product' | 'output';
  readonly path: string;
  readonly label?: string;
  readonly size?: number;
}

/** How the lifecycle events fared, per destination (CONTRACT 3.7 holds no secret: endpoints without credentials). */
export interface EventsRecord {
  readonly delivered: number;
  readonly failed: number;
  readonly destinations: readonly {
    readonly transport: 'http' | 'amqp';
    readonly endpoint: string;
    readonly delivered: number;
    readonly failed: number;
    /** The first few reasons a delivery failed. */
    readonly errors: readonly string[];
  }[];
}

/** The machine-readable record of one run (CONTRACT 3.7), written also on failure and on signals. */
export interface RunReport {
  /** The contract's version (SCHEMA_VERSION; schemas/run-report.schema.json). */
  readonly schemaVersion: string;
  readonly envoy: string;
  readonly version: string;
  readonly mode: string;
  /** Identifies the run in the status file, the events and the run page. */
  readonly runId: string;
  readonly status: 'succeeded' | 'failed';
  readonly exitCode: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly dryRun: boolean;
  readonly workDirectory: string;
  readonly commandLine: readonly string[];
  readonly steps: readonly StepRecord[];
  readonly launch?: LaunchRecord;
  /** The external system's stages, where the envoy can follow them (CASA's pipeline tasks). */
  readonly stages?: readonly StageRecord[];
  readonly findings: readonly Finding[];
  /** Sentences the launcher wants a person to read with the outcome (EnvoyContext.recordNote). */
  readonly notes?: readonly string[];
  readonly error?: { readonly message: string; readonly details: readonly string[] };
  readonly signal?: string;
  readonly settings: readonly { key: string; value: string | number | boolean; source: string }[];
  /** Logs, the external system's own report, products: what the run page links to. */
  readonly files?: readonly FileRecord[];
  /** Delivery of the lifecycle events, when events are configured. */
  readonly events?: EventsRecord;
  /** What a launcher adds about its own work (staged files, session URL without token, …). */
  readonly details: Readonly<Record<string, unknown>>;
}
