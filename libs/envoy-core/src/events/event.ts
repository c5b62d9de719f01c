/** Who sent an event: the run's identity, in every event so a consumer needs no other state. */
export interface RunIdentity {
  readonly runId: string;
  readonly envoy: string;
  readonly version: string;
  readonly mode: string;
  readonly workDirectory: string;
  readonly startedAt: string;
  readonly host: string;
}

/** The lifecycle events every envoy sends; launchers may add their own (CASA: stage-started). */
export type LifecycleEvent = 'started' | 'step-finished' | 'launched' | 'stage-started' | 'finished';

/** One event as delivered: a JSON object with its name, its number in the run, the identity and its facts. */
export interface RunEvent extends RunIdentity {
  readonly event: string;
  /** 1, 2, 3, ... per run, in the order the events happened. */
  readonly seq: number;
  /** The contract's version (SCHEMA_VERSION; schemas/event.schema.json). */
  readonly schemaVersion: string;
  readonly time: string;
  readonly [fact: string]: unknown;
}

/** A destination for events (an HTTP endpoint, a RabbitMQ exchange). */
export interface EventTransport {
  readonly kind: 'http' | 'amqp';
  /** Where the events go, without credentials, for logs and the report. */
  readonly endpoint: string;
  /** Delivers one event (with retries, each attempt time-limited); rejects with a reason when it cannot. */
  send(event: RunEvent, body: string, attempt: SendPlan): Promise<void>;
  /** Lets go of connections; never throws. */
  close(): Promise<void>;
}

export interface SendPlan {
  readonly tries: number;
  /** Aborts the delivery: the envoy is about to exit. */
  readonly signal: AbortSignal;
}
