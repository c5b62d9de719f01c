/** Waits `ms`, or less when `signal` aborts first; resolves true when the full time passed. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const done = (full: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(full);
    };
    const onAbort = () => done(false);
    // setTimeout fires at once above 2^31-1 ms; callers wait in shorter steps anyway.
    const timer = setTimeout(() => done(true), Math.min(Math.max(0, ms), 2_147_483_647));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class TimeoutError extends Error {}

/** The promise's value, or a TimeoutError after `ms` (the work itself is not cancelled: pass `onTimeout`). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new TimeoutError(`${what} did not answer within ${ms / 1000} s`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The value, or undefined when the promise rejects or takes longer than `ms` (for best-effort lookups). */
export function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return withTimeout(promise, ms, 'lookup').catch(() => undefined);
}
