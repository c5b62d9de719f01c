import { GaveUp, retry } from '../retry/retry';

/** How hard to try one POST. */
export interface PostPlan {
  readonly tries: number;
  readonly firstDelayMs: number;
  /** Per attempt: an endpoint that accepts the connection and never answers must not hold the envoy. */
  readonly attemptMs: number;
  /** No attempt starts after this time (epoch ms). */
  readonly deadline?: number;
  /** No further attempt once this aborts; the attempt under way is cut short too. */
  readonly signal?: AbortSignal;
  readonly headers?: Readonly<Record<string, string>>;
  readonly onRetry?: (reason: string, attempt: number, delayMs: number) => void;
}

/** One POST's fate. */
export interface PostOutcome {
  readonly delivered: boolean;
  readonly attempts: number;
  readonly status?: number;
  /** Why it was not delivered: the endpoint (without credentials) and the last reason. */
  readonly error?: string;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** The endpoint for messages: scheme, host and path; user-info and a query string may carry credentials. */
export function endpointText(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Why an attempt failed, in a few words (never the URL: it may hold credentials). */
export function postFailureReason(error: unknown): string {
  if (error instanceof HttpStatusError) return error.message;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  if (code) return code === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : code;
  // fetch's own "fetch failed" says nothing; its cause does (a port fetch refuses to use: "bad port").
  if (cause instanceof Error && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

// A client error means the endpoint understood the request and refused it: repeating it will not help.
// Time-outs and rate limits are the exceptions.
function permanent(error: unknown): boolean {
  return error instanceof HttpStatusError && error.status >= 400 && error.status < 500 && ![408, 425, 429].includes(error.status);
}

/** fetch refuses URLs with user-info: `https://user:password@host/path` becomes Basic authentication. */
function request(url: string): { target: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return { target: url, headers: {} };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { target: parsed.href, headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}

/** An attempt's own time limit, also cut short when the caller's signal aborts (no AbortSignal.any on Node 20.0). */
function attemptSignal(ms: number, outer: AbortSignal | undefined): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('attempt timed out', 'TimeoutError')), ms);
  const onAbort = () => controller.abort(new DOMException('aborted', 'AbortError'));
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}

/** What is read of an answer's body before the connection is given up instead (an event needs no answer). */
const DRAIN_LIMIT = 64 * 1024;

/**
 * Reads the answer's body to its end. Cancelling it instead leaves the pooled connection unfinished when the
 * body ends only with the connection (HTTP/1.0, no Content-Length, as Python's http.server answers): the
 * next request then waits for the pool's keep-alive timeout (4 s) and events pile up behind it until the
 * envoy exits and gives up on them. The attempt's signal bounds the read; a body beyond DRAIN_LIMIT is
 * cancelled (that connection is then closed, not reused).
 */
async function drain(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.byteLength;
    if (read > DRAIN_LIMIT) {
      await reader.cancel();
      return;
    }
  }
}

/**
 * POSTs one JSON document, retried with exponential back-off. Never throws: whether a failed delivery
 * matters is the caller's decision (a session's URL: yes; a lifecycle event: no).
 */
export async function postJson(url: string, body: unknown, plan: PostPlan): Promise<PostOutcome> {
  let attempts = 0;
  const { target, headers } = request(url);
  const text = JSON.stringify(body);
  try {
    const status = await retry(
      async (attempt) => {
        attempts = attempt;
        const { signal, done } = attemptSignal(plan.attemptMs, plan.signal);
        try {
          const response = await fetch(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers, ...plan.headers },
            body: text,
            signal,
          });
          await drain(response);
          if (!response.ok) throw new HttpStatusError(response.status);
          return response.status;
        } finally {
          done();
        }
      },
      {
        tries: plan.tries,
        firstDelayMs: plan.firstDelayMs,
        deadline: plan.deadline,
        signal: plan.signal,
        permanent,
        onRetry: (error, attempt, delay) => plan.onRetry?.(postFailureReason(error), attempt, delay),
      },
    );
    return { delivered: true, attempts, status };
  } catch (error) {
    const last = error instanceof GaveUp ? error.lastError : error;
    const status = last instanceof HttpStatusError ? last.status : undefined;
    return { delivered: false, attempts, ...(status === undefined ? {} : { status }), error: `${endpointText(url)}: ${postFailureReason(last)}` };
  }
}

/** What one probe request saw: the status of an answer, or why there was none. */
export type ProbeOutcome = { readonly status: number } | { readonly error: string };

/**
 * One request that only asks whether an endpoint answers (the preflight's probe): no retry, time-limited,
 * with the URL's user-info as Basic authentication like a POST's, and redirects not followed (an answer
 * is an answer). Never throws.
 */
export async function probeHttp(
  url: string,
  plan: { readonly method: 'HEAD' | 'GET'; readonly attemptMs: number; readonly signal?: AbortSignal; readonly headers?: Readonly<Record<string, string>> },
): Promise<ProbeOutcome> {
  const { target, headers } = request(url);
  const { signal, done } = attemptSignal(plan.attemptMs, plan.signal);
  try {
    const response = await fetch(target, { method: plan.method, headers: { ...headers, ...plan.headers }, signal, redirect: 'manual' });
    await drain(response);
    return { status: response.status };
  } catch (error) {
    return { error: postFailureReason(error) };
  } finally {
    done();
  }
}
