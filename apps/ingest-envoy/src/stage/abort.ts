import { InterruptedError } from '@envoys/envoy-core';

/** The signal the run was stopped by, from the abort reason envoy-core gives ("received SIGTERM"). */
function signalName(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error ? reason.message : String(reason);
  return /SIG[A-Z]+/.exec(text)?.[0] ?? 'SIGTERM';
}

/**
 * Work stopped by the run's abort signal ends as an InterruptedError (128+N), so the one-line message says
 * "stopped by SIGTERM while staging ..." instead of an internal error.
 */
export function interruptedBy(signal: AbortSignal, doing: string): InterruptedError {
  const name = signalName(signal);
  return new InterruptedError(name, `stopped by ${name} while ${doing}; nothing partial was left in staging`);
}
