import { endpointText, postJson } from '../http/post-json';
import type { EventTransport, RunEvent, SendPlan } from './event';

export interface HttpTransportOptions {
  readonly url: string;
  readonly attemptMs: number;
  readonly userAgent: string;
}

/** Events as HTTP POSTs of JSON to the workflow system (retried with back-off, each attempt time-limited). */
export function httpTransport(options: HttpTransportOptions): EventTransport {
  return {
    kind: 'http',
    endpoint: endpointText(options.url),
    async send(event: RunEvent, _body: string, { tries, signal }: SendPlan): Promise<void> {
      const outcome = await postJson(options.url, event, {
        tries,
        firstDelayMs: 500,
        attemptMs: options.attemptMs,
        signal,
        headers: { 'user-agent': options.userAgent },
      });
      if (!outcome.delivered) throw new Error(outcome.error ?? 'not delivered');
    },
    async close(): Promise<void> {
      // fetch keeps no connection the envoy must close.
    },
  };
}
