import * as path from 'node:path';
import type { Finding } from '@envoys/envoy-core';
import { checkLines, type LineCheck } from './checks/line-rules';
import { checkNonEmpty } from './checks/non-empty';
import { FindingsByRule, type RuleTotal } from './checks/types';
import { compileRuleSet } from './compile';
import { isNewOrChanged } from './files/file-state';
import { globDirectory, type Glob } from './files/glob';
import { listGlob, type ListedFile, type Listing } from './files/list';
import type { RuleSet } from './rules/types';
import type { Snapshot } from './snapshot/snapshot';

export interface VerifyOptions {
  /** The directory the rules' patterns are relative to (for CASA: `working/`). */
  readonly baseDir: string;
  /**
   * Taken by takeSnapshot before the launch: only files new or changed since then count. Without it (checking
   * a finished run) every matching file counts and baselineOnly rules are skipped.
   */
  readonly baseline?: Snapshot;
  /** Bytes read at a time (default 128 KiB: a block that stays in the CPU cache while it is searched). */
  readonly chunkSize?: number;
  /** Lines are examined on their first maxLineBytes (default 1 MiB). */
  readonly maxLineBytes?: number;
  /** Findings listed per rule and file (default 100); the rest are counted. */
  readonly maxFindingsPerRule?: number;
  /** Finding texts (and their context lines) are cut to this many characters (default 500). */
  readonly maxTextLength?: number;
  /**
   * Lines of context before each line finding, and after it when the message has no continuation lines
   * (default 3; 0 for none).
   */
  readonly contextLines?: number;
  /** Continuation lines of a finding's message kept in its context: a SEVERE's traceback (default 100). */
  readonly continuationLines?: number;
  readonly signal?: AbortSignal;
}

export interface VerifyResult {
  /** In rule-set order; per rule by file, then line. Empty: the run succeeded as far as these rules tell. */
  readonly findings: Finding[];
  /** Absolute paths of the files read by line rules. */
  readonly filesScanned: string[];
  readonly bytesScanned: number;
  /** Per line rule and file that had matching lines: how many, how many listed, how many benign. */
  readonly totals: RuleTotal[];
  /** Ids of baselineOnly rules skipped because there was no baseline. */
  readonly skippedRules: string[];
}

const MiB = 1024 * 1024;

function positive(value: number | undefined, fallback: number, name: string, least = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < least) throw new RangeError(`${name} must be an integer of at least ${least}, not ${value}`);
  return value;
}

/** Applies a rule set to a directory and returns what it found; reads each log once, as a stream. */
export async function verify(ruleSet: RuleSet, options: VerifyOptions): Promise<VerifyResult> {
  const chunkSize = positive(options.chunkSize, 128 * 1024, 'chunkSize');
  const maxLineBytes = positive(options.maxLineBytes, MiB, 'maxLineBytes');
  const limits = {
    chunkSize,
    maxLineBytes,
    maxFindingsPerRule: positive(options.maxFindingsPerRule, 100, 'maxFindingsPerRule'),
    maxTextLength: positive(options.maxTextLength, 500, 'maxTextLength'),
    contextLines: positive(options.contextLines, 3, 'contextLines', 0),
    continuationLines: positive(options.continuationLines, 100, 'continuationLines', 0),
    signal: options.signal,
  };
  const { ruleSet: valid, rules } = compileRuleSet(ruleSet, maxLineBytes);
  const base = path.resolve(options.baseDir);
  const baseline = options.baseline;
  if (baseline && path.resolve(baseline.baseDir) !== base) {
    throw new Error(`the baseline was taken of ${baseline.baseDir}, not of ${base}`);
  }

  const out = new FindingsByRule();
  const totals: RuleTotal[] = [];
  const skippedRules: string[] = [];
  const listings = new Map<string, Listing>();
  const list = async (glob: Glob, directories: boolean): Promise<Listing> => {
    const key = `${directories ? 'd' : 'f'}:${glob.pattern}`;
    let listing = listings.get(key);
    if (!listing) listings.set(key, (listing = await listGlob(base, glob, directories)));
    return listing;
  };
  const counted = (files: readonly ListedFile[]): ListedFile[] =>
    baseline ? files.filter((f) => isNewOrChanged(baseline.files[f.path], f.state)) : [...files];
  const sinceRun = baseline ? ' that is new or changed since the run started' : '';

  // Files are read once for all the line rules that apply to them, in name order.
  const lineChecks = new Map<string, LineCheck[]>();
  for (const compiled of rules) {
    const rule = compiled.rule;
    options.signal?.throwIfAborted();
    if (rule.baselineOnly && !baseline) {
      skippedRules.push(rule.id);
      continue;
    }
    if (!('glob' in compiled)) {
      if (rule.kind === 'nonEmpty') {
        const finding = await checkNonEmpty(base, rule, baseline);
        if (finding) out.add(finding);
      }
      continue;
    }
    const listing = await list(compiled.glob, 'directories' in compiled && compiled.directories);
    if ('error' in listing) {
      out.add({ file: listing.dir, line: null, rule: rule.id, text: listing.error });
      continue;
    }
    const files = counted(listing.files);
    if (rule.kind === 'marker') {
      for (const file of files) {
        out.add({ file: file.path, line: null, rule: rule.id, text: `marker file ${path.basename(file.path)} is present: ${rule.description}` });
      }
    } else if (rule.kind === 'required') {
      if (files.length === 0) {
        const where = path.join(globDirectory(base, compiled.glob), path.basename(compiled.glob.pattern));
        const what = 'directories' in compiled && compiled.directories ? 'no directory' : 'no file';
        out.add({ file: where, line: null, rule: rule.id, text: `${what} matches ${compiled.glob.pattern}${sinceRun}: ${rule.description}` });
      }
    } else if ('matcher' in compiled && rule.kind === 'line') {
      for (const file of files) {
        const checks = lineChecks.get(file.path) ?? [];
        checks.push({ rule, matcher: compiled.matcher, shape: compiled.shape, benign: compiled.benign });
        lineChecks.set(file.path, checks);
      }
    }
  }

  const filesScanned: string[] = [];
  let bytesScanned = 0;
  for (const file of [...lineChecks.keys()].sort()) {
    const bytes = await checkLines(file, lineChecks.get(file) ?? [], limits, out, totals);
    if (bytes === undefined) continue;
    filesScanned.push(file);
    bytesScanned += bytes;
  }

  return {
    findings: out.inOrder(valid.rules.map((r) => r.id)),
    filesScanned,
    bytesScanned,
    totals,
    skippedRules,
  };
}
