import { endpointText, postJson, type Logger } from '@envoys/envoy-core';

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

/**
 * POSTs one session event as JSON to the workflow system, retried with exponential back-off. Never throws:
 * whether a failed delivery is fatal is the caller's decision (carta-ready: yes; carta-ended: no).
 */
export async function postEvent(url: string, payload: { readonly event: string } & Record<string, unknown>, plan: DeliveryPlan, logger: Logger): Promise<Delivery> {
  const endpoint = endpointText(url);
  const outcome = await postJson(url, payload, {
    ...plan,
    onRetry: (reason, attempt, delay) => logger.warn(`${payload.event} notification to ${endpoint} failed: ${reason}; retrying in ${delay} ms`, { attempt }),
  });
  if (outcome.delivered) logger.info(`${payload.event} notification delivered to ${endpoint}`, { status: outcome.status, attempts: outcome.attempts });
  return { event: payload.event, ...outcome };
}
