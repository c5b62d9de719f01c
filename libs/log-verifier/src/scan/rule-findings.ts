import type { MatchSink } from './matcher';
import { cutText } from './line-filter';

export interface KeptMatch {
  readonly offset: number;
  readonly text: string;
}

/**
 * The matches of one rule in one file. Only the first `max` are kept, the rest only counted, so a log with a
 * million SEVERE lines cannot exhaust memory; the report states the total.
 */
export class RuleFindings implements MatchSink {
  readonly kept: KeptMatch[] = [];
  total = 0;
  suppressed = 0;

  constructor(
    private readonly max: number,
    private readonly maxTextLength: number,
  ) {}

  matched(lineOffset: number, text: string): void {
    this.total++;
    if (this.kept.length < this.max) this.kept.push({ offset: lineOffset, text: cutText(text, this.maxTextLength) });
  }

  benign(): void {
    this.suppressed++;
  }
}
