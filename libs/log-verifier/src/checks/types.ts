import type { Finding } from '@envoys/envoy-core';

/** Counts of one line rule in one file, also beyond the findings kept. */
export interface RuleTotal {
  readonly rule: string;
  readonly file: string;
  /** Lines that are findings (all of them, not only those listed). */
  readonly matched: number;
  /** Findings listed in the result; the rest are summarised in one finding with line null. */
  readonly listed: number;
  /** Lines that matched but also matched a benign pattern. */
  readonly benign: number;
}

/** Collects findings per rule so they can be returned in rule-set order whatever order the checks run in. */
export class FindingsByRule {
  private readonly byRule = new Map<string, Finding[]>();

  add(finding: Finding): void {
    const list = this.byRule.get(finding.rule);
    if (list) list.push(finding);
    else this.byRule.set(finding.rule, [finding]);
  }

  inOrder(ruleIds: readonly string[]): Finding[] {
    return ruleIds.flatMap((id) => this.byRule.get(id) ?? []);
  }
}
