import type { LineRule } from '../rules/types';
import type { MatcherFactory } from '../scan/matcher';
import { lineNumbers } from '../scan/line-numbers';
import { RuleFindings } from '../scan/rule-findings';
import { scanFile, type ScanLimits } from '../scan/scan-file';
import { isAbsent, reason } from '../files/errno';
import type { FindingsByRule, RuleTotal } from './types';

export interface LineCheck {
  readonly rule: LineRule;
  readonly matcher: MatcherFactory;
}

export interface LineLimits extends ScanLimits {
  readonly maxFindingsPerRule: number;
  readonly maxTextLength: number;
}

/**
 * Scans one file for every line rule that applies to it, then numbers the lines of the findings kept.
 * @returns bytes read, or undefined when the file could not be read (vanished: nothing to say; else a finding)
 */
export async function checkLines(
  file: string,
  checks: readonly LineCheck[],
  limits: LineLimits,
  out: FindingsByRule,
  totals: RuleTotal[],
): Promise<number | undefined> {
  const sinks = checks.map(() => new RuleFindings(limits.maxFindingsPerRule, limits.maxTextLength));
  let bytes: number;
  let lines: Map<number, number>;
  try {
    bytes = await scanFile(
      file,
      checks.map((c) => c.matcher),
      sinks,
      limits,
    );
    const offsets = [...new Set(sinks.flatMap((s) => s.kept.map((k) => k.offset)))].sort((a, b) => a - b);
    lines = await lineNumbers(file, offsets, limits.chunkSize, limits.signal);
  } catch (error) {
    if (limits.signal?.aborted) throw error;
    if (isAbsent(error)) return undefined;
    // Evidence that cannot be read does not prove success.
    for (const { rule } of checks) out.add({ file, line: null, rule: rule.id, text: `cannot read the file: ${reason(error)}` });
    return undefined;
  }
  checks.forEach(({ rule }, i) => {
    const sink = sinks[i];
    for (const kept of sink.kept) out.add({ file, line: lines.get(kept.offset) ?? null, rule: rule.id, text: kept.text });
    const unlisted = sink.total - sink.kept.length;
    if (unlisted > 0) {
      out.add({ file, line: null, rule: rule.id, text: `${unlisted} more matching lines not listed (${sink.total} in total)` });
    }
    if (sink.total > 0 || sink.suppressed > 0) {
      totals.push({ rule: rule.id, file, matched: sink.total, listed: sink.kept.length, benign: sink.suppressed });
    }
  });
  return bytes;
}
