import { sleep } from '@envoys/envoy-core';

const POLL_MS = 100;
const ATTEMPT_MS = 1000;

/**
 * Waits until the backend answers HTTP on its port (SPEC 6.3 step 4). Any answer counts, also 403: the probe
 * carries no token, so it proves the server is up without counting as a user of the session (which would
 * reset the backend's idle and initial time-outs). Resolves true when it answered, false when `timeoutMs`
 * passed or `stop` aborted (the backend exited, or the envoy is being stopped).
 */
export async function waitUntilReady(port: number, timeoutMs: number, stop: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const url = `http://127.0.0.1:${port}/`;
  while (!stop.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    // One abort for both reasons to give up on an attempt (AbortSignal.any needs Node 20.3).
    const attempt = new AbortController();
    const onStop = () => attempt.abort();
    stop.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(onStop, Math.min(ATTEMPT_MS, left));
    try {
      const response = await fetch(url, { signal: attempt.signal });
      await response.body?.cancel();
      return true;
    } catch {
      // Not listening yet (connection refused) or not answering yet: try again shortly.
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    }
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())), stop);
  }
  return false;
}
