import { setTimeout as delay } from 'node:timers/promises';

export class TimeoutError extends Error {}

/** The promise's value, or a TimeoutError after `ms` (the work itself is not cancelled: pass `onTimeout`). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  const timer = new AbortController();
  const expired = delay(ms, undefined, { signal: timer.signal }).then(() => {
    onTimeout?.();
    throw new TimeoutError(`${what} did not answer within ${ms / 1000} s`);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    timer.abort(); // the race is decided: the timer must not hold the event loop for the rest of `ms`
  }
}

/** The value, or undefined when the promise rejects or takes longer than `ms` (for best-effort lookups). */
export function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return withTimeout(promise, ms, 'lookup').catch(() => undefined);
}
