import { setTimeout as delay } from 'node:timers/promises';

// setTimeout fires at once above 2^31-1 ms; callers wait in shorter steps anyway.
const LONGEST_MS = 2_147_483_647;

/** Waits `ms`, or less when `signal` aborts first; resolves true when the full time passed. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    return await delay(Math.min(Math.max(0, ms), LONGEST_MS), true, { signal });
  } catch (error) {
    if (signal?.aborted) return false;
    throw error;
  }
}
