import { parseGlob, type Glob } from './files/glob';
import type { LineRule, Rule, RuleSet } from './rules/types';
import { loadRuleSet } from './rules/validate';
import { fieldMatcher } from './scan/field-matcher';
import { LineFilter, type MessageShape } from './scan/line-filter';
import type { MatcherFactory } from './scan/matcher';
import { regexMatcher } from './scan/regex-matcher';

export type CompiledRule =
  | {
      readonly rule: LineRule;
      readonly glob: Glob;
      readonly matcher: MatcherFactory;
      readonly shape: MessageShape;
      readonly benign: readonly RegExp[];
    }
  | { readonly rule: Rule & { kind: 'marker' | 'required' }; readonly glob: Glob; readonly directories: boolean }
  | { readonly rule: Rule & { kind: 'nonEmpty' } };

function glob(pattern: string): Glob {
  const parsed = parseGlob(pattern);
  // loadRuleSet has refused every pattern parseGlob rejects.
  if (typeof parsed === 'string') throw new Error(`unchecked glob ${pattern}: ${parsed}`);
  return parsed;
}

/**
 * Validates again (a RuleSet may have been built in code rather than loaded) so that a bad rule is always an
 * InvalidInputError naming it, never a SyntaxError from deep inside a scan.
 */
export function compileRuleSet(ruleSet: RuleSet, maxLineBytes: number): { readonly ruleSet: RuleSet; readonly rules: readonly CompiledRule[] } {
  const valid = loadRuleSet(ruleSet);
  const rules = valid.rules.map((rule): CompiledRule => {
    switch (rule.kind) {
      case 'line': {
        const filter = LineFilter.from(rule.recordStart, rule.continuation, rule.benign ?? []);
        const matcher =
          rule.match.type === 'field'
            ? fieldMatcher(rule.id, rule.match, filter, maxLineBytes)
            : regexMatcher(rule.id, rule.match, filter, maxLineBytes);
        const shape: MessageShape = {
          ...(rule.recordStart === undefined ? {} : { recordStart: new RegExp(rule.recordStart) }),
          ...(rule.continuation === undefined ? {} : { continuation: new RegExp(rule.continuation) }),
        };
        return { rule, glob: glob(rule.files), matcher, shape, benign: filter.benignPatterns };
      }
      case 'marker':
        return { rule, glob: glob(rule.files), directories: false };
      case 'required':
        return { rule, glob: glob(rule.files), directories: rule.directories ?? false };
      case 'nonEmpty':
        return { rule };
    }
  });
  return { ruleSet: valid, rules };
}
