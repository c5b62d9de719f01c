import { promises as fs } from 'node:fs';
import type { LineRule } from '../rules/types';
import { readContext, type ContextLimits, type MessageAround } from '../scan/context';
import { isBenignMessage, type MessageShape } from '../scan/line-filter';
import type { MatcherFactory } from '../scan/matcher';
import { lineNumbers } from '../scan/line-numbers';
import { countNewlinesInBackground, type NewlineCounting } from '../scan/newline-counts';
import { RuleFindings } from '../scan/rule-findings';
import { scanFile, type ScanLimits } from '../scan/scan-file';
import { isAbsent, reason } from '../files/errno';
import type { FindingsByRule, RuleTotal } from './types';

export interface LineCheck {
  readonly rule: LineRule;
  readonly matcher: MatcherFactory;
  /** Where a message's continuation lines are (the rule's recordStart and continuation, compiled). */
  readonly shape: MessageShape;
  /** The rule's benign patterns, compiled: they are matched against the whole message. */
  readonly benign: readonly RegExp[];
}

export interface LineLimits extends ScanLimits {
  readonly maxFindingsPerRule: number;
  readonly maxTextLength: number;
  /** Context lines before (and after) each finding; 0: none. */
  readonly contextLines: number;
  /** Continuation lines after a finding (a SEVERE's traceback). */
  readonly continuationLines: number;
}

/**
 * The message and context of every finding kept, read only now that there are findings (a clean log costs
 * nothing): the message decides whether a benign pattern applies, the context is shown.
 */
async function contexts(file: string, checks: readonly LineCheck[], sinks: readonly RuleFindings[], limits: LineLimits): Promise<Map<string, MessageAround>> {
  const found = new Map<string, MessageAround>();
  if (!sinks.some((sink) => sink.kept.length > 0)) return found;
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    for (const [i, check] of checks.entries()) {
      const contextLimits: ContextLimits = {
        lines: limits.contextLines,
        continuationLines: limits.continuationLines,
        maxTextLength: limits.maxTextLength,
        shape: check.shape,
      };
      for (const kept of sinks[i].kept) {
        limits.signal?.throwIfAborted();
        found.set(`${i}:${kept.offset}`, await readContext(handle, size, kept.offset, contextLimits));
      }
    }
  } finally {
    await handle.close();
  }
  return found;
}

/** From this size on, a log's newlines are counted on another thread while it is scanned. */
const BACKGROUND_COUNT_BYTES = 64 * 1024 * 1024;
const COUNT_BLOCK_BYTES = 1024 * 1024;

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
  let around: Map<string, MessageAround>;
  let counting: NewlineCounting | undefined;
  try {
    if ((await fs.stat(file)).size >= BACKGROUND_COUNT_BYTES) {
      counting = countNewlinesInBackground(file, COUNT_BLOCK_BYTES, limits.signal);
    }
    bytes = await scanFile(
      file,
      checks.map((c) => c.matcher),
      sinks,
      limits,
    );
    const offsets = [...new Set(sinks.flatMap((s) => s.kept.map((k) => k.offset)))].sort((a, b) => a - b);
    const known = offsets.length > 0 ? await counting?.result : undefined;
    counting?.cancel();
    lines = await lineNumbers(file, offsets, limits.chunkSize, limits.signal, known);
    around = await contexts(file, checks, sinks, limits);
  } catch (error) {
    counting?.cancel();
    if (limits.signal?.aborted) throw error;
    if (isAbsent(error)) return undefined;
    // Evidence that cannot be read does not prove success.
    for (const { rule } of checks) out.add({ file, line: null, rule: rule.id, text: `cannot read the file: ${reason(error)}` });
    return undefined;
  }
  checks.forEach(({ rule }, i) => {
    const sink = sinks[i];
    let listed = 0;
    for (const kept of sink.kept) {
      const line = lines.get(kept.offset) ?? null;
      const message = around.get(`${i}:${kept.offset}`);
      // A benign pattern is for the message, which its first line alone may not show (CASA's `+` lines).
      if (message && isBenignMessage(checks[i].benign, message.message)) {
        sink.total -= 1;
        sink.suppressed += 1;
        continue;
      }
      listed += 1;
      const context = line === null || limits.contextLines + limits.continuationLines === 0 ? undefined : message?.context;
      out.add({ file, line, rule: rule.id, text: kept.text, ...(context ? { context } : {}) });
    }
    const unlisted = sink.total - listed;
    if (unlisted > 0) {
      out.add({ file, line: null, rule: rule.id, text: `${unlisted} more matching lines not listed (${sink.total} in total)` });
    }
    if (sink.total > 0 || sink.suppressed > 0) {
      totals.push({ rule: rule.id, file, matched: sink.total, listed, benign: sink.suppressed });
    }
  });
  return bytes;
}
