import type { LaunchPlan } from '../process/launch-plan';
import type { RunScope } from './scope';
import { shellQuote } from './shell-quote';

/** What a dry run prints instead of launching: the plan, as a person or a JSON-lines reader wants it. */
export function printPlan(run: RunScope, plan: LaunchPlan | undefined): void {
  const summary = 'Dry run: every check passed; nothing was launched and no file was written.';
  if (run.commandLine.logFormat === 'json') {
    // One JSON line like the log's, with the plan as data: `--log-format json` output is JSON lines only.
    const planned = plan
      ? { command: shellQuote(plan.argv), argv: plan.argv, cwd: plan.cwd, env: plan.env, unsetEnv: plan.unsetEnv ?? [], ...(plan.timeoutMs !== undefined ? { timeLimitSeconds: plan.timeoutMs / 1000 } : {}) }
      : null;
    const line = { time: new Date().toISOString(), level: 'info', envoy: run.envoy, step: 'plan', message: plan ? summary : `${summary} This mode launches nothing.`, plan: planned };
    process.stdout.write(run.redactor.redact(JSON.stringify(line)) + '\n');
    return;
  }
  const lines = [summary];
  if (plan) {
    lines.push(`command: ${shellQuote(plan.argv)}`, `argv: ${JSON.stringify(plan.argv)}`, `cwd: ${plan.cwd}`);
    for (const [name, value] of Object.entries(plan.env)) lines.push(`env: ${name}=${value}`);
    for (const name of plan.unsetEnv ?? []) lines.push(`unset: ${name}`);
    if (plan.timeoutMs !== undefined) lines.push(`time limit: ${plan.timeoutMs / 1000} s`);
  } else {
    lines.push('(this mode launches nothing)');
  }
  process.stdout.write(run.redactor.redact(lines.join('\n')) + '\n');
}
