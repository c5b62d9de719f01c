import { sleep } from '@envoys/envoy-core';

// Waited in steps, so that a lifetime beyond setTimeout's range still ends on time.
const STEP_MS = 60 * 60 * 1000;

/**
 * Waits until the session's lifetime is over (CONTRACT 6.3 step 7). Resolves true when the deadline passed,
 * false when `ended` aborted first: the backend exited by itself or the envoy received a stop signal.
 */
export async function untilLifetimeEnds(deadline: number, ended: AbortSignal): Promise<boolean> {
  for (;;) {
    const left = deadline - Date.now();
    if (ended.aborted) return false;
    if (left <= 0) return true;
    await sleep(Math.min(left, STEP_MS), ended);
  }
}
