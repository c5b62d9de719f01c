import type { Logger } from '../log/logger';
import type { Redactor } from '../redact/redactor';
import type { EventsRecord } from '../report/report';
import { SCHEMA_VERSION } from '../report/schema-version';
import type { EventTransport, RunEvent, RunIdentity } from './event';

const TRIES = 3;
const ERRORS_KEPT = 5;

interface Queued {
  readonly event: RunEvent;
  readonly body: string;
}

interface Destination {
  readonly transport: EventTransport;
  queue: Promise<void>;
  /**
   * Events not yet delivered, oldest first. An event that could not be delivered stays at the head: the next
   * one is sent only after it, so a consumer sees each run's events in order with no gap (a prefix of them
   * when the endpoint stays away), never event 5 without event 4.
   */
  readonly backlog: Queued[];
  delivered: number;
  failed: number;
  /** After a failed delivery, the backlog's head is tried once per new event until it gets through: a dead endpoint must not hold the run. */
  degraded: boolean;
  readonly errors: string[];
}

/**
 * The lifecycle events of one run, for a workflow system: each event is one JSON object with its name, its
 * number (`seq`: 1, 2, 3, ... per run) and the run's identity, sent to every destination in order, in the
 * background. Delivery is at least once: an attempt cut off after the endpoint took the event is tried
 * again, so a consumer drops a repeated `seq` (the AMQP message id `<runId>.<seq>` says the same). Delivery
 * problems never change the run's outcome: they are logged and counted for the report.
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
    this.destinations = transports.map((transport) => ({ transport, queue: Promise.resolve(), backlog: [], delivered: 0, failed: 0, degraded: false, errors: [] }));
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
      destination.backlog.push({ event: ordered, body });
      destination.queue = destination.queue.then(() => this.deliver(destination));
    }
  }

  /** Sends the backlog in order until it is empty or an event cannot be delivered (it stays at the head). */
  private async deliver(destination: Destination): Promise<void> {
    const { transport, backlog } = destination;
    for (let next = backlog[0]; next !== undefined && !this.stopping.signal.aborted; next = backlog[0]) {
      try {
        await transport.send(next.event, next.body, { tries: destination.degraded ? 1 : TRIES, signal: this.stopping.signal });
      } catch (error) {
        this.failed(destination, next.event, error instanceof Error ? error.message : String(error));
        return;
      }
      backlog.shift();
      destination.delivered += 1;
      if (destination.degraded) this.logger?.info(`events reach ${transport.endpoint} again`);
      destination.degraded = false;
    }
  }

  private failed(destination: Destination, event: RunEvent, reason: string): void {
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
    // What is still in a backlog now was never delivered.
    for (const destination of this.destinations) {
      const [first] = destination.backlog;
      if (first && !destination.degraded) this.failed(destination, first.event, 'the envoy exited before it could be sent');
      destination.failed = destination.backlog.length;
    }
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
