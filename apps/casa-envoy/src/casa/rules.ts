import { casaRuleSet, type RuleSet } from '@envoys/log-verifier';
import type { Settings } from '@envoys/envoy-core';

/** Patterns in envoys.casa.benignSevere are separated by " || " (a properties value is one line). */
export function benignPatterns(settings: Settings): string[] {
  const value = settings.optionalString('envoys.casa.benignSevere');
  return value ? value.split(' || ').map((pattern) => pattern.trim()).filter((pattern) => pattern !== '') : [];
}

/** The CASA rule set for one mode: modes that must produce products also check products/ (SPEC 4.8). */
export function casaRules(settings: Settings, requireProducts: boolean): RuleSet {
  return casaRuleSet({ benign: benignPatterns(settings), requireProducts });
}
