import { InvalidInputError } from '@envoys/envoy-core';
import { loadRuleSet } from './validate';
import type { RuleSet } from './types';

/**
 * Adds benign patterns to one line rule (sites configure benign messages through settings, not code).
 * The result is validated like any rule set, so a bad pattern is reported against the rule it was meant for.
 */
export function withBenign(ruleSet: RuleSet, ruleId: string, patterns: readonly string[]): RuleSet {
  const target = ruleSet.rules.find((rule) => rule.id === ruleId);
  if (!target) throw new InvalidInputError(`rule set "${ruleSet.name}" has no rule "${ruleId}" to add benign patterns to`);
  if (target.kind !== 'line') {
    throw new InvalidInputError(`rule "${ruleId}" of rule set "${ruleSet.name}" is a ${target.kind} rule: only line rules have benign patterns`);
  }
  if (patterns.length === 0) return loadRuleSet(ruleSet);
  return loadRuleSet({
    ...ruleSet,
    rules: ruleSet.rules.map((rule) =>
      rule === target && rule.kind === 'line' ? { ...rule, benign: [...(rule.benign ?? []), ...patterns] } : rule,
    ),
  });
}
