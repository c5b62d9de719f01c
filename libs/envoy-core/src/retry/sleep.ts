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
