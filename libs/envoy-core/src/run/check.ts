import { EnvoyError, ExitCode } from '../errors';
import { runChecks, type CheckResult, type PreflightCheck } from '../preflight/check';
import { eventsChecks } from '../preflight/events-check';
import { settingsTable } from '../preflight/settings-table';
import { oneLine } from '../report/one-line';
import { asEnvoyError, printFailure } from './failure';
import type { EnvoyContext } from './launcher';
import type { RunScope, StartedRun } from './scope';
import type { StepRunner } from './steps';

type FailedCheck = Extract<CheckResult, { ok: false }>;

/** The checks of `--check` and of a dry run: the envoy's own, then the events endpoints every envoy has. */
export function preflightChecks(run: RunScope, context: EnvoyContext): readonly PreflightCheck[] {
  return [...(run.definition.preflight?.(context) ?? []), ...eventsChecks(context)];
}

/**
 * `--check`: every check, each on a line (ok or FAILED with its reason), then the effective settings with
 * where each came from. Fails with the first failed check's exit status, as a run would there.
 */
export async function checkNode(run: StartedRun, context: EnvoyContext): Promise<void> {
  const { logger, settings } = run;
  const results = await runChecks(preflightChecks(run, context), asEnvoyError);
  const json = run.commandLine.logFormat === 'json';
  const log = logger.child('check');
  const lines: string[] = [`${run.envoy} --check: ${results.length} check${results.length === 1 ? '' : 's'} of this node and the site`];
  for (const result of results) {
    if (result.ok) {
      if (json) log.info(result.detail, { check: result.name, ok: true });
      else lines.push(`  ok      ${result.name}: ${oneLine(result.detail)}`);
    } else {
      if (json) log.error(oneLine(result.error.message), { check: result.name, ok: false, exitCode: result.error.exitCode });
      else lines.push(`  FAILED  ${result.name}: ${oneLine(result.error.message)} (exit ${result.error.exitCode})`);
    }
  }
  const table = settingsTable(settings);
  if (json) {
    const settingsLog = logger.child('settings');
    for (const row of table) settingsLog.info(row.source === '' ? `${row.key}: not set` : `${row.key} = ${row.shown}`, { key: row.key, value: row.value, source: row.source === '' ? null : row.source });
  } else {
    lines.push('', 'Settings (value, and where it came from: default, CAPO file:line, environment variable, --set or option):');
    for (const row of table) lines.push(row.source === '' ? `  ${row.key}: not set` : `  ${row.key} = ${row.shown}  (${row.source})`);
    process.stdout.write(run.redactor.redact(lines.join('\n')) + '\n');
  }
  const failed = results.filter((result): result is FailedCheck => !result.ok);
  const first = failed[0];
  if (first) {
    const others = failed.slice(1).map((result) => `${result.name}: ${result.error.message}`);
    throw new EnvoyError(first.error.exitCode, first.error.message, [...first.error.details, ...others], { cause: first.error });
  }
}

/** A dry run runs the same checks, as one step, and fails where `--check` would. */
export async function dryRunChecks(run: StartedRun, context: EnvoyContext, steps: StepRunner): Promise<void> {
  const checks = preflightChecks(run, context);
  if (checks.length === 0) return;
  const log = run.logger.child('check-node');
  await steps.announced('check-node', 'auditing', async () => {
    const results = await runChecks(checks, asEnvoyError);
    for (const result of results) {
      // The real run would go on without it: a warning, not the dry run's failure.
      if (!result.ok && result.advisory) log.warn(`${result.name}: ${oneLine(result.error.message)} (the run goes on without it)`);
    }
    const failed = results.filter((result): result is FailedCheck => !result.ok && !result.advisory);
    const first = failed[0];
    if (first) throw new EnvoyError(first.error.exitCode, first.error.message, [...first.error.details, ...failed.slice(1).map((result) => `${result.name}: ${result.error.message}`)]);
    return results.flatMap((result) => (result.ok ? [`${result.name}: ${result.detail}`] : [])).join('; ');
  });
}

/** The end of `--check`: its exit status, the failure once on stderr; no report, status, page or event. */
export async function finishCheck(run: RunScope, logger: StartedRun['logger'] | undefined, failure?: EnvoyError): Promise<number> {
  const exitCode = failure?.exitCode ?? ExitCode.Success;
  if (failure) {
    printFailure(run.envoy, failure, run.redactor, run.commandLine.logFormat);
    logger?.error(oneLine(failure.message), { exitCode });
  } else {
    logger?.info('every check passed', { exitCode });
  }
  await logger?.flush();
  run.signals.settle();
  return exitCode;
}
