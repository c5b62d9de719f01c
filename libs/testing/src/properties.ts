import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { workspaceRoot } from './bundles';

/**
 * One property of a parser or transformation, checked on generated inputs: `check` throws when the property
 * does not hold for a value. The same targets run bounded in `npm test` (a fixed seed, a few hundred inputs)
 * and for minutes in a fuzzing campaign (`npm run fuzz -- --minutes N`, tools/scripts/fuzz.mjs), which finds
 * every project's targets in its `test/*.properties.spec.ts` files: adding a target there is all it takes.
 */
export interface PropertyTarget<T> {
  /** `<project>/<what>`, e.g. `envoy-core/capo-properties`. */
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<T>;
  readonly check: (value: T) => void | Promise<void>;
  /** Inputs that once broke the property (found by fuzzing or by hand): always checked first. */
  readonly regressions?: readonly T[];
}

/** The fixed seed of the bounded runs in `npm test`: a failure there is the same failure on every machine. */
export const PROPERTY_SEED = 20261203;
/** Inputs per target in `npm test`. */
export const PROPERTY_RUNS = 300;

export function propertyTarget<T>(target: PropertyTarget<T>): PropertyTarget<unknown> {
  return target as PropertyTarget<unknown>;
}

interface CampaignResult {
  readonly name: string;
  readonly runs: number;
  readonly seconds: number;
  readonly seed: number;
  readonly failure?: string;
}

function recordCampaign(result: CampaignResult): void {
  const dir = process.env['ENVOYS_FUZZ_RESULTS'] ?? join(workspaceRoot, '.nx/fuzz-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${result.name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`), `${JSON.stringify(result)}\n`);
}

/**
 * Declares a project's property targets as jest tests. In `npm test`: PROPERTY_RUNS inputs each, fixed seed,
 * regressions first. With ENVOYS_FUZZ_SECONDS_PER_TARGET (set by the fuzzing campaign): as many inputs as fit
 * in that time, a fresh seed, and the number of executions and any failure recorded for the campaign's report.
 */
export function describeTargets(project: string, targets: readonly PropertyTarget<unknown>[]): void {
  const fuzzSeconds = Number(process.env['ENVOYS_FUZZ_SECONDS_PER_TARGET'] ?? 0);
  const listing = process.env['ENVOYS_FUZZ_LIST'];
  if (listing) {
    // The campaign counts the targets first, to share its time among them.
    appendFileSync(listing, targets.map((target) => `${target.name}\n`).join(''));
    describe(`properties of ${project}`, () => {
      for (const target of targets) it.skip(target.name, () => undefined);
    });
    return;
  }
  describe(`properties of ${project}`, () => {
    for (const target of targets) {
      const timeout = fuzzSeconds > 0 ? (fuzzSeconds + 120) * 1000 : 120_000;
      it(`${target.name}`, async () => {
        let runs = 0;
        const property = fc.asyncProperty(target.arbitrary, async (value) => {
          runs += 1;
          await target.check(value);
        });
        const examples = (target.regressions ?? []).map((value) => [value] as [unknown]);
        if (fuzzSeconds <= 0) {
          await fc.assert(property, { numRuns: PROPERTY_RUNS, seed: PROPERTY_SEED, examples });
          return;
        }
        const seed = Date.now() % 2_147_483_647;
        const started = Date.now();
        const details = await fc.check(property, {
          numRuns: Number.MAX_SAFE_INTEGER,
          interruptAfterTimeLimit: fuzzSeconds * 1000,
          markInterruptAsFailure: false,
          seed,
          examples,
        });
        const failure = details.failed ? fc.defaultReportMessage(details) : undefined;
        recordCampaign({ name: target.name, runs, seconds: (Date.now() - started) / 1000, seed, ...(failure ? { failure } : {}) });
        if (failure) throw new Error(failure);
      }, timeout);
    }
  });
}
