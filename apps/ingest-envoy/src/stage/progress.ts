import type { Logger, StatusHook } from '@envoys/envoy-core';

const MiB = 1024 * 1024;

/**
 * Progress of a long staging: files and bytes staged of the total in the live status (and so on a
 * terminal's progress line), and in a batch job's output a line every 30 s (HTCondor keeps every line,
 * and an operator watching a job wants a sign of life, not a flood).
 */
export class StagingProgress {
  private done = 0;
  private files = 0;
  private last = Date.now();

  constructor(
    private readonly logger: Logger,
    private readonly status: StatusHook,
    private readonly totalBytes: number,
    private readonly totalFiles: number,
  ) {
    this.show();
  }

  bytes(count: number): void {
    this.done += count;
    this.changed();
  }

  /** `count` files are in place (a tree counts its files). */
  filesDone(count = 1): void {
    this.files += count;
    this.changed();
  }

  private changed(): void {
    this.show();
    const now = Date.now();
    if (this.status.interactive || now - this.last < 30_000) return;
    this.last = now;
    this.logger.info(this.text());
  }

  private text(): string {
    const percent = this.totalBytes > 0 ? Math.min(100, Math.floor((100 * this.done) / this.totalBytes)) : 100;
    return `staged ${this.files} of ${this.totalFiles} files, ${(this.done / MiB).toFixed(0)} of ${(this.totalBytes / MiB).toFixed(0)} MiB (${percent}%)`;
  }

  private show(): void {
    this.status.update({ staging: { files: { done: this.files, total: this.totalFiles }, bytes: { done: this.done, total: this.totalBytes } } });
    this.status.progress(this.text());
  }
}
