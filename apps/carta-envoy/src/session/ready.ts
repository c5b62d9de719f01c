import { sleep } from '@envoys/envoy-core';

const POLL_MS = 100;
const ATTEMPT_MS = 2000;

/** The last thing a probe saw, for the message when it gives up. */
export interface Probe {
  ok: boolean;
  saw: string;
  /** The HTTP status, when there was an answer. */
  status?: number;
}

/** One GET with a time limit; resolves with what it saw (status, or why there was none). */
async function probeOnce(url: string, headers: Record<string, string>, accept: (status: number, body: string) => boolean, limitMs: number, stop: AbortSignal): Promise<Probe> {
  // One abort for both reasons to give up on an attempt (AbortSignal.any needs Node 20.3).
  const attempt = new AbortController();
  const onStop = () => attempt.abort();
  stop.addEventListener('abort', onStop, { once: true });
  const timer = setTimeout(onStop, limitMs);
  try {
    const response = await fetch(url, { headers, signal: attempt.signal, redirect: 'manual' });
    const body = (await response.text()).slice(0, 2000);
    const shown = body.replace(/\s+/g, ' ').trim().slice(0, 80);
    return { ok: accept(response.status, body), status: response.status, saw: `HTTP ${response.status}${shown ? ` (${shown})` : ''}` };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : '';
    return { ok: false, saw: attempt.signal.aborted ? `no answer within ${limitMs / 1000} s` : `no connection (${code || (cause instanceof Error ? cause.message : String(cause))})` };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

/**
 * Polls `url` until `accept` holds for an answer, `timeoutMs` passed or `stop` aborted; resolves with the
 * last probe. Used for the backend's own page (200 from its frontend, not any answer: a backend without its
 * frontend files answers 404) and for the route through the proxy.
 */
export async function pollUntil(
  url: string,
  options: {
    headers?: Record<string, string>;
    accept: (status: number, body: string) => boolean;
    /** An answer no waiting will change (the backend said why): stop polling at once. */
    hopeless?: (probe: Probe) => boolean;
    timeoutMs: number;
    stop: AbortSignal;
  },
): Promise<Probe> {
  const deadline = Date.now() + options.timeoutMs;
  let last: Probe = { ok: false, saw: 'nothing (not tried)' };
  while (!options.stop.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) return last;
    last = await probeOnce(url, options.headers ?? {}, options.accept, Math.min(ATTEMPT_MS, left), options.stop);
    if (last.ok || options.hopeless?.(last)) return last;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())), options.stop);
  }
  return last;
}
