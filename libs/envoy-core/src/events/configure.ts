import type { Redactor } from '../redact/redactor';
import { durationMs, type Settings } from '../settings';
import { amqpTransport } from './amqp-transport';
import type { EventTransport, RunIdentity } from './event';
import { httpTransport } from './http-transport';
import { RunEvents } from './run-events';

/** The run's events, sent where the settings say (none when neither URL is set). */
export function eventsFromSettings(settings: Settings, identity: RunIdentity, redactor: Redactor): RunEvents {
  const attemptMs = durationMs(settings, 'envoys.events.timeoutSeconds', 'seconds') ?? 5000;
  const transports: EventTransport[] = [];
  const url = settings.optionalString('envoys.events.url');
  if (url) transports.push(httpTransport({ url, attemptMs, userAgent: `${identity.envoy}/${identity.version}` }));
  const amqpUrl = settings.optionalString('envoys.events.amqpUrl');
  if (amqpUrl) {
    transports.push(
      amqpTransport({
        url: amqpUrl,
        exchange: settings.string('envoys.events.exchange'),
        attemptMs,
        connectionName: `${identity.envoy} ${identity.runId}`,
      }),
    );
  }
  return new RunEvents(identity, transports, redactor);
}
