import type { EnvoyError } from '../errors';
import type { Settings } from '../settings';

/**
 * One thing a node or a site must provide before a run can launch (a CASA installation, a writable staging
 * root, Redis rights on the route keys, an events endpoint that answers). `run` says what it found, or throws
 * the EnvoyError the real run would fail with there (69 unavailable, 65 a bad setting, 73 not writable).
 * Checks read and probe; they create nothing that outlives them: `--check` and `--dry-run` run them.
 */
export interface PreflightCheck {
  /** Its name in the list --check prints (`casa-home`, `redis`). */
  readonly name: string;
  /**
   * A run goes on without what this check looks for (its events, which are never worth a failed job): a
   * failure fails --check, and is a warning in a dry run, which fails only where the real run would.
   */
  readonly advisory?: boolean;
  /** What was found, in one sentence; or the EnvoyError of what is missing. */
  run(): Promise<string>;
}

/** What a check needs of the run (a subset of EnvoyContext, which launchers get). */
export interface PreflightContext {
  readonly envoy: string;
  readonly version: string;
  readonly settings: Settings;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The directory the envoy was started in (relative settings are relative to it). */
  readonly cwd: string;
  readonly signal: AbortSignal;
}

/** The outcome of one check. */
export type CheckResult =
  | { readonly name: string; readonly ok: true; readonly detail: string }
  | { readonly name: string; readonly ok: false; readonly advisory: boolean; readonly error: EnvoyError };

/** Runs every check, in order, whatever the earlier ones found: a preflight lists every problem at once. */
export async function runChecks(checks: readonly PreflightCheck[], asEnvoyError: (error: unknown) => EnvoyError): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      results.push({ name: check.name, ok: true, detail: await check.run() });
    } catch (error) {
      results.push({ name: check.name, ok: false, advisory: check.advisory === true, error: asEnvoyError(error) });
    }
  }
  return results;
}
