import type { LogFormat } from '../cli/spec';
import { EnvoyError, InternalError } from '../errors';
import type { Redactor } from '../redact/redactor';
import { oneLine } from '../report/one-line';

/** Prints a failure on stderr: what failed first, its details indented, each one safe line (CONTRACT 3.3). */
export function printFailure(envoy: string, error: EnvoyError, redactor: Redactor, format: LogFormat): void {
  // Values from inputs may hold control characters or be a megabyte long. Redacted before escaping, so that a
  // secret holding a control character is still found.
  const safe = (text: string): string => oneLine(redactor.redact(text));
  const details = error.details.flatMap((detail) => detail.split('\n'));
  if (format === 'json') {
    // A machine reading JSON lines gets the failure as one of them, on stderr as people get it.
    const line = { time: new Date().toISOString(), level: 'error', envoy, message: safe(error.message), exitCode: error.exitCode, details: details.map(safe) };
    process.stderr.write(JSON.stringify(line) + '\n');
    return;
  }
  process.stderr.write([`${envoy}: ${safe(error.message)}`, ...details.map((detail) => `  ${safe(detail)}`)].join('\n') + '\n');
}

/** Every failure as the EnvoyError it maps to: anything else is a bug of the envoy (71, with its stack). */
export function asEnvoyError(error: unknown): EnvoyError {
  if (error instanceof EnvoyError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // The stack's first line repeats the message: only the frames follow it.
  const frames = error instanceof Error && error.stack ? error.stack.split('\n').filter((line) => /^\s+at /.test(line)) : [];
  return new InternalError(`internal error: ${message}`, frames, { cause: error });
}
