import { casaRuleSet, regexProblem, type CasaProducts, type RuleSet } from '@envoys/log-verifier';
import { quoteValue, type Settings, type SettingValue } from '@envoys/envoy-core';

const SEPARATOR = ' || ';

/** Patterns in envoys.casa.benignSevere are separated by " || " (a properties value is one line). */
export function splitBenignPatterns(value: string): string[] {
  return value.split(SEPARATOR).map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
}

/**
 * The settings check of envoys.casa.benignSevere: every pattern must compile. A bad one is reported with the
 * setting's key and source like any other bad setting, before anything runs.
 */
export function benignSevereProblem(value: SettingValue): string | undefined {
  const patterns = splitBenignPatterns(String(value));
  for (const [index, pattern] of patterns.entries()) {
    const problem = regexProblem(pattern);
    if (problem === undefined) continue;
    // regexProblem's phrase starts with "is"/"must", which completes "setting K = V from S is ...".
    const phrase = problem.replace(/^is /, '');
    return patterns.length === 1 ? phrase : `a list whose pattern ${index + 1} of ${patterns.length}, ${quoteValue(pattern)}, ${problem}`;
  }
  return undefined;
}

export function benignPatterns(settings: Settings): string[] {
  const value = settings.optionalString('envoys.casa.benignSevere');
  return value ? splitBenignPatterns(value) : [];
}

/**
 * The CASA rule set for one kind of run: each product the pipeline exports for it is checked (CONTRACT 4.8);
 * without a kind (re-checking a finished run), none.
 */
export function casaRules(settings: Settings, products: CasaProducts | undefined): RuleSet {
  return casaRuleSet({ benign: benignPatterns(settings), requireProducts: false, ...(products ? { products } : {}) });
}
