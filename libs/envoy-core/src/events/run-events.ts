import type { Logger } from '../log/logger';
import type { Redactor } from '../redact/redactor';
import type { EventsRecord } from '../report/report';
import { SCHEMA_VERSION } from '../report/schema-version';
import type { EventTransport, RunEvent, RunIdentity } from './event';

const TRIES = 3;
const ERRORS_KEPT = 5;

interface Destination {
  readonly transport: EventTransport;
  queue: Promise<void>;
  delivered: number;
  failed: number;
  /** After a failed delivery, events are tried once each until one gets through: a dead endpoint must not hold the run. */
  degraded: boolean;
  readonly errors: string[];
}

/**
 * The lifecycle events of one run, for a workflow system: each event is one JSON object with its name, its
 * number (`seq`: 1, 2, 3, ... per run) and the run's identity, sent to every destination in order, in the
 * background. Delivery problems never change the run's outcome: they are logged and counted for the report.
 */
export class RunEvents {
  private seq = 0;
  private readonly destinations: Destination[];
  private readonly stopping = new AbortController();
  private logger: Logger | undefined;

  constructor(
    private readonly identity: RunIdentity,
    transports: readonly EventTransport[],
    private readonly redactor: Redactor,
  ) {
    this.destinations = transports.map((transport) => ({ transport, queue: Promise.resolve(), delivered: 0, failed: 0, degraded: false, errors: [] }));
  }

  get enabled(): boolean {
    return this.destinations.length > 0;
  }

  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** Queues one event for every destination; returns at once. Secrets are removed from it first. */
  emit(event: string, facts: Readonly<Record<string, unknown>> = {}): void {
    if (!this.enabled || this.stopping.signal.aborted) return;
    this.seq += 1;
    // The name, number and identity first, for a person reading the raw message; a fact never overrides them.
    const head: Record<string, unknown> = { event, seq: this.seq, schemaVersion: SCHEMA_VERSION, ...this.identity, time: new Date().toISOString() };
    const payload: Record<string, unknown> = { ...head };
    for (const [key, value] of Object.entries(facts)) if (!(key in head)) payload[key] = value;
    const ordered = this.redactor.redactValue(payload) as RunEvent;
    const body = JSON.stringify(ordered);
    for (const destination of this.destinations) {
      destination.queue = destination.queue.then(() => this.deliver(destination, ordered, body));
    }
  }

  private async deliver(destination: Destination, event: RunEvent, body: string): Promise<void> {
    const { transport } = destination;
    if (this.stopping.signal.aborted) {
      this.failed(destination, event, 'the envoy exited before it could be sent');
      return;
    }
    try {
      await transport.send(event, body, { tries: destination.degraded ? 1 : TRIES, signal: this.stopping.signal });
      destination.delivered += 1;
      if (destination.degraded) this.logger?.info(`events reach ${transport.endpoint} again`);
      destination.degraded = false;
    } catch (error) {
      this.failed(destination, event, error instanceof Error ? error.message : String(error));
    }
  }

  private failed(destination: Destination, event: RunEvent, reason: string): void {
    destination.failed += 1;
    const text = this.redactor.redact(`event ${event.event} (seq ${event.seq}) was not delivered to ${destination.transport.endpoint}: ${reason}`);
    if (destination.errors.length < ERRORS_KEPT) destination.errors.push(text);
    // The first failure is a warning; the rest of an outage would only repeat it.
    if (destination.degraded) this.logger?.debug(text);
    else this.logger?.warn(`${text}; the run goes on (delivery problems never change its outcome)`);
    destination.degraded = true;
  }

  /**
   * Waits for the events still queued, at most `waitMs`, then gives up on the rest (counted as failed) and
   * closes the connections. Returns the counts for the report, or undefined when no events are configured.
   */
  async close(waitMs: number): Promise<EventsRecord | undefined> {
    if (!this.enabled) return undefined;
    const all = () => Promise.all(this.destinations.map((destination) => destination.queue));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    this.stopping.abort();
    await all();
    await Promise.all(this.destinations.map((destination) => destination.transport.close()));
    const record: EventsRecord = {
      delivered: this.destinations.reduce((sum, d) => sum + d.delivered, 0),
      failed: this.destinations.reduce((sum, d) => sum + d.failed, 0),
      destinations: this.destinations.map((d) => ({
        transport: d.transport.kind,
        endpoint: d.transport.endpoint,
        delivered: d.delivered,
        failed: d.failed,
        errors: [...d.errors],
      })),
    };
    for (const d of this.destinations) {
      if (d.failed > 0) this.logger?.warn(`${d.failed} of ${d.failed + d.delivered} events were not delivered to ${d.transport.endpoint}`);
    }
    return record;
  }
}
