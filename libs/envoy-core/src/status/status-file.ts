import { writeFileAtomic } from '../files/atomic-write';
import type { Redactor } from '../redact/redactor';

export interface StatusFileOptions {
  readonly path: string;
  readonly redactor: Redactor;
  /** Writes are at least this far apart: a chatty external system cannot cause a write storm. */
  readonly minIntervalMs?: number;
  /** Written at least this often while the run goes on, so that `updatedAt` shows the envoy is alive. */
  readonly heartbeatMs?: number;
  /** Told about the first failed write only (the status is a convenience; the run goes on without it). */
  readonly onError?: (error: unknown) => void;
}

/**
 * The live status file (`<envoy>-status.json`): a JSON object replaced atomically whenever something
 * changes, but coalesced (at most one write per `minIntervalMs`, one write in flight at a time), and
 * rewritten every `heartbeatMs` even when nothing changed. Values computed at write time (a time left)
 * come from `live` functions. Every write passes through the redactor: the file never holds a secret.
 */
export class StatusFile {
  private readonly facts: Record<string, unknown>;
  private readonly live = new Map<string, () => unknown>();
  private readonly minIntervalMs: number;
  private readonly heartbeatMs: number;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private dirty = false;
  private closed = false;
  private failed = false;
  private lastWrite = 0;
  /** Writes done, for tests and the benchmark of write storms. */
  writes = 0;

  constructor(
    initial: Readonly<Record<string, unknown>>,
    private readonly options: StatusFileOptions,
  ) {
    this.facts = { ...initial };
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.heartbeatMs = options.heartbeatMs ?? 5000;
  }

  /** Starts the heartbeat and writes the first state soon. */
  start(): void {
    if (this.closed || this.heartbeat) return;
    this.heartbeat = setInterval(() => this.changed(), this.heartbeatMs);
    this.heartbeat.unref();
    this.changed();
  }

  /** Merges facts (top-level keys; `undefined` removes one) and schedules a write. */
  update(facts: Readonly<Record<string, unknown>>): void {
    for (const [key, value] of Object.entries(facts)) {
      if (value === undefined) delete this.facts[key];
      else this.facts[key] = value;
    }
    this.changed();
  }

  /** A value computed at every write, for facts that change by themselves; undefined removes it. */
  setLive(key: string, compute: (() => unknown) | undefined): void {
    if (compute) this.live.set(key, compute);
    else this.live.delete(key);
    this.changed();
  }

  /** The facts as the next write would show them. */
  snapshot(): Record<string, unknown> {
    const updatedAt = new Date().toISOString();
    const snapshot: Record<string, unknown> = {};
    // `updatedAt` right after `startedAt`, where a person reading the file looks for it.
    for (const [key, value] of Object.entries(this.facts)) {
      snapshot[key] = value;
      if (key === 'startedAt') snapshot['updatedAt'] = updatedAt;
    }
    snapshot['updatedAt'] ??= updatedAt;
    for (const [key, compute] of this.live) {
      try {
        snapshot[key] = compute();
      } catch {
        // A fact that cannot be computed is left out rather than failing the write.
      }
    }
    return snapshot;
  }

  /** Stops the timers without writing again (the file belongs to another run now). */
  abandon(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = this.heartbeat = undefined;
  }

  /** Stops the timers and writes the final state, after any write in flight; never throws. */
  async close(facts: Readonly<Record<string, unknown>> = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = this.heartbeat = undefined;
    for (const [key, value] of Object.entries(facts)) this.facts[key] = value;
    await this.inFlight;
    await this.write();
  }

  private changed(): void {
    if (this.closed) return;
    if (this.inFlight) {
      this.dirty = true; // written again as soon as the write in flight is done
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.write().finally(() => {
        this.inFlight = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.changed();
        }
      });
    }, wait);
    // A pending status write never keeps the envoy alive: close() writes the last state.
    this.timer.unref();
  }

  private async write(): Promise<void> {
    this.lastWrite = Date.now();
    const text = JSON.stringify(this.options.redactor.redactValue(this.snapshot()), null, 2) + '\n';
    try {
      await writeFileAtomic(this.options.path, text);
      this.writes += 1;
    } catch (error) {
      if (!this.failed) this.options.onError?.(error);
      this.failed = true;
    }
  }
}
