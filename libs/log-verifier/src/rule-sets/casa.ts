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
  caltables: 'casa-products-caltables',
  flagVersions: 'casa-products-flagversions',
  weblog: 'casa-products-weblog',
  images: 'casa-products-images',
  restoredMs: 'casa-restored-ms',
} as const;

/** What a pipeline run of a kind must leave, as the pipeline exports it. */
export type CasaProducts = 'calibration' | 'restore' | 'imaging' | 'integrated';

/**
 * The products rules per kind of run. Calibration: hifv_exportdata's caltables archive, flag versions and
 * weblog (pipeline/infrastructure/filenamer.py :969-999, h/tasks/exportdata/exportdata.py :989). Restore:
 * hifv_restoredata reads products/ and writes the restored MeasurementSet into working/, nothing into
 * products/. Imaging: the exported FITS images (filenamer.py :58). Integrated: restore, then imaging.
 */
const PRODUCT_RULES: Readonly<Record<CasaProducts, readonly string[]>> = {
  calibration: [CASA_RULES.caltables, CASA_RULES.flagVersions, CASA_RULES.weblog],
  restore: [CASA_RULES.restoredMs],
  imaging: [CASA_RULES.images],
  integrated: [CASA_RULES.restoredMs, CASA_RULES.images],
};
const ALL_PRODUCT_RULES = new Set<string>([CASA_RULES.productsEmpty, ...Object.values(PRODUCT_RULES).flat()]);

export interface CasaRuleSetOptions {
  /** Site-configured regular expressions for SEVERE messages that are not failures (the built-in list is empty). */
  readonly benign?: readonly string[];
  /**
   * Without `products`: modes that produce products check that products/ got something new (any file).
   * Ignored when `products` is given.
   */
  readonly requireProducts: boolean;
  /** The kind of run: each product it must leave is a rule of its own, named in the finding when missing. */
  readonly products?: CasaProducts;
}

/** The CASA rule set of CONTRACT 4.8, adjusted for the mode and the site; apply it to `working/`. */
export function casaRuleSet(options: CasaRuleSetOptions): RuleSet {
  const builtIn = loadRuleSet(casa, 'built-in casa rule set');
  const wanted = new Set<string>(
    options.products ? PRODUCT_RULES[options.products] : options.requireProducts ? [CASA_RULES.productsEmpty] : [],
  );
  const rules = builtIn.rules.filter((rule) => !ALL_PRODUCT_RULES.has(rule.id) || wanted.has(rule.id));
  return withBenign({ ...builtIn, rules }, CASA_RULES.severe, options.benign ?? []);
}
