import type { Logger } from '@envoys/envoy-core';
import { GaveUp, retry } from './retry';

/** One notification's fate, for the report. */
export interface Delivery {
  readonly event: string;
  readonly delivered: boolean;
  readonly attempts: number;
  readonly status?: number;
  readonly error?: string;
}

export interface DeliveryPlan {
  readonly tries: number;
  readonly firstDelayMs: number;
  /** Per attempt: an endpoint that accepts the connection and never answers must not hold the session. */
  readonly attemptMs: number;
  readonly deadline?: number;
  readonly signal?: AbortSignal;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** The endpoint for messages: scheme, host and path; a query string may carry the site's credentials. */
export function endpointText(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function reason(error: unknown): string {
  if (error instanceof HttpStatusError) return error.message;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  if (code) return code === 'ECONNREFUSED' ? 'connection refused (ECONNREFUSED)' : code;
  return error instanceof Error ? error.message : String(error);
}

// A client error means the workflow system understood the request and refused it: repeating it will not help.
// Time-outs and rate limits are the exceptions.
function permanent(error: unknown): boolean {
  return error instanceof HttpStatusError && error.status >= 400 && error.status < 500 && ![408, 425, 429].includes(error.status);
}

/**
 * POSTs one session event as JSON to the workflow system, retried with exponential back-off. Never throws:
 * whether a failed delivery is fatal is the caller's decision (carta-ready: yes; carta-ended: no).
 */
export async function postEvent(url: string, payload: { readonly event: string } & Record<string, unknown>, plan: DeliveryPlan, logger: Logger): Promise<Delivery> {
  let attempts = 0;
  const endpoint = endpointText(url);
  try {
    const status = await retry(
      async (attempt) => {
        attempts = attempt;
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(plan.attemptMs),
        });
        await response.body?.cancel();
        if (!response.ok) throw new HttpStatusError(response.status);
        return response.status;
      },
      {
        tries: plan.tries,
        firstDelayMs: plan.firstDelayMs,
        deadline: plan.deadline,
        signal: plan.signal,
        permanent,
        onRetry: (error, attempt, delay) =>
          logger.warn(`${payload.event} notification to ${endpoint} failed: ${reason(error)}; retrying in ${delay} ms`, { attempt }),
      },
    );
    logger.info(`${payload.event} notification delivered to ${endpoint}`, { status, attempts });
    return { event: payload.event, delivered: true, attempts, status };
  } catch (error) {
    const last = error instanceof GaveUp ? error.lastError : error;
    const status = last instanceof HttpStatusError ? last.status : undefined;
    return { event: payload.event, delivered: false, attempts, ...(status === undefined ? {} : { status }), error: `${endpoint}: ${reason(last)}` };
  }
}
