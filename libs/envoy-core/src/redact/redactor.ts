import { Transform, type TransformCallback } from 'node:stream';

export const REDACTED = '[REDACTED]';

/**
 * Knows the secrets of one run (tokens, passwords) and removes them from every text the envoy writes:
 * log lines, the report, error messages, and the external system's own output, which may echo them.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a secret. Very short values are refused: redacting "1" would shred every log line. */
  add(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= 4) this.secrets.add(secret);
  }

  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    if (this.secrets.size === 0) return text;
    let result = text;
    for (const secret of this.longestFirst()) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return result;
  }

  /** Redacts every string inside a JSON-like value (keys included), leaving its shape intact. */
  redactValue<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return this.walk(value) as T;
  }

  /**
   * A stream transform that redacts text passing through, also when a secret is split across chunks:
   * the tail of each chunk that could be the start of a secret is held back until the next chunk shows
   * whether it is one (or until the stream ends).
   */
  stream(): Transform {
    let pending = '';
    const flushable = (text: string): [string, string] => {
      const redacted = this.redact(text);
      const hold = this.heldBackLength(redacted);
      return [redacted.slice(0, redacted.length - hold), redacted.slice(redacted.length - hold)];
    };
    return new Transform({
      transform: (chunk: Buffer | string, _encoding, callback: TransformCallback) => {
        if (this.secrets.size === 0) {
          callback(null, chunk);
          return;
        }
        const [out, rest] = flushable(pending + chunk.toString());
        pending = rest;
        callback(null, out.length > 0 ? out : undefined);
      },
      flush: (callback: TransformCallback) => {
        callback(null, pending.length > 0 ? this.redact(pending) : undefined);
      },
    });
  }

  private longestFirst(): string[] {
    return [...this.secrets].sort((a, b) => b.length - a.length);
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some secret. */
  private heldBackLength(text: string): number {
    let longest = 0;
    for (const secret of this.secrets) {
      const max = Math.min(secret.length - 1, text.length);
      for (let length = max; length > longest; length--) {
        if (text.endsWith(secret.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item));
    if (value !== null && typeof value === 'object') {
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) result[this.redact(key)] = this.walk(item);
      return result;
    }
    return value;
  }
}
