import { withBenign } from '../rules/benign';
import type { RuleSet } from '../rules/types';
import { loadRuleSet } from '../rules/validate';
import casa from './casa.json';

/** Ids of the built-in CASA rules, for settings that address one of them and for tests. */
export const CASA_RULES = {
  severe: 'casa-severe',
  errorExit: 'casa-errorexit',
  logMissing: 'casa-log-missing',
  productsEmpty: 'casa-products-empty',
} as const;

export interface CasaRuleSetOptions {
  /** Site-configured regular expressions for SEVERE lines that are not failures (the built-in list is empty). */
  readonly benign?: readonly string[];
  /** Only modes that produce products (standard-cal, restore, integrated) check that products/ got output. */
  readonly requireProducts: boolean;
}

/** The CASA rule set of SPEC 4.8, adjusted for the mode and the site; apply it to `working/`. */
export function casaRuleSet(options: CasaRuleSetOptions): RuleSet {
  const builtIn = loadRuleSet(casa, 'built-in casa rule set');
  const rules = options.requireProducts ? builtIn.rules : builtIn.rules.filter((rule) => rule.id !== CASA_RULES.productsEmpty);
  return withBenign({ ...builtIn, rules }, CASA_RULES.severe, options.benign ?? []);
}
