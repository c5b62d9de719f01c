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
