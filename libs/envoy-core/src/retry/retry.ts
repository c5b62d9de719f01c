import { sleep } from './sleep';

export interface RetryOptions {
  readonly tries: number;
  /** Delay after the first failure; it doubles after each further one (exponential back-off). */
  readonly firstDelayMs: number;
  readonly maxDelayMs?: number;
  /** No attempt starts after this time (epoch ms), whatever tries are left. */
  readonly deadline?: number;
  /** No further attempt once this aborts (the attempt under way is not interrupted). */
  readonly signal?: AbortSignal;
  /** Errors that another attempt cannot fix (a 400 from the endpoint, a wrong password). */
  readonly permanent?: (error: unknown) => boolean;
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** The last error of an operation that was given up, with how often it was tried. */
export class GaveUp extends Error {
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
  ) {
    super(lastError instanceof Error ? lastError.message : String(lastError), { cause: lastError });
  }
}

/** Runs `work` until it succeeds, with back-off between attempts; throws GaveUp when it stops trying. */
export async function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  let delay = options.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      const last =
        attempt >= options.tries ||
        options.permanent?.(error) === true ||
        options.signal?.aborted === true ||
        (options.deadline !== undefined && Date.now() >= options.deadline);
      if (last) throw new GaveUp(error, attempt);
      // The last wait is cut short so that one more attempt is made right at the deadline.
      const wait = options.deadline === undefined ? delay : Math.min(delay, options.deadline - Date.now());
      options.onRetry?.(error, attempt, wait);
      if (!(await sleep(wait, options.signal))) throw new GaveUp(error, attempt);
      delay = Math.min(delay * 2, options.maxDelayMs ?? Number.POSITIVE_INFINITY);
    }
  }
}
