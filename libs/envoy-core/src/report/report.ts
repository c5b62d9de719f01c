import type { Finding } from './finding';

export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'planned';

export interface StepRecord {
  readonly name: string;
  readonly status: StepStatus;
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

/** The machine-readable record of one run (SPEC 3.7), written also on failure and on signals. */
export interface RunReport {
  readonly envoy: string;
  readonly version: string;
  readonly mode: string;
  readonly status: 'succeeded' | 'failed';
  readonly exitCode: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly dryRun: boolean;
  readonly workDirectory: string;
  readonly commandLine: readonly string[];
  readonly steps: readonly StepRecord[];
  readonly launch?: LaunchRecord;
  readonly findings: readonly Finding[];
  readonly error?: { readonly message: string; readonly details: readonly string[] };
  readonly signal?: string;
  readonly settings: readonly { key: string; value: string | number | boolean; source: string }[];
  /** What a launcher adds about its own work (staged files, session URL without token, …). */
  readonly details: Readonly<Record<string, unknown>>;
}
