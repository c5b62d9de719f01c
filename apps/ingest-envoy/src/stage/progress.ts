import type { Logger } from '@envoys/envoy-core';

const MiB = 1024 * 1024;

/**
 * Progress of a long staging: on a terminal a line every 2 s, in a batch job's output every 30 s (HTCondor
 * keeps every line, and an operator watching a job wants a sign of life, not a flood).
 */
export class StagingProgress {
  private done = 0;
  private files = 0;
  private last = Date.now();
  private readonly everyMs: number;

  constructor(
    private readonly logger: Logger,
    private readonly totalBytes: number,
    private readonly totalItems: number,
    tty: boolean,
  ) {
    this.everyMs = tty ? 2000 : 30_000;
  }

  bytes(count: number): void {
    this.done += count;
    this.maybeReport();
  }

  item(): void {
    this.files += 1;
    this.maybeReport();
  }

  private maybeReport(): void {
    const now = Date.now();
    if (now - this.last < this.everyMs) return;
    this.last = now;
    const percent = this.totalBytes > 0 ? Math.min(100, Math.floor((100 * this.done) / this.totalBytes)) : 100;
    this.logger.info(`staged ${this.files} of ${this.totalItems} items, ${(this.done / MiB).toFixed(0)} of ${(this.totalBytes / MiB).toFixed(0)} MiB (${percent}%)`);
  }
}
