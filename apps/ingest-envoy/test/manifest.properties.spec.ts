import fc from 'fast-check';
import { describeTargets, propertyTarget } from '@envoys/testing';
import { buildManifest, serializeManifest } from '../src/manifest/build';
import { manifestFilenames, validateManifest } from '../src/manifest/validate';
import type { Ancillary, IngestionPlan, ScienceProduct, StagingItem } from '../src/plan';

const fileName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/);
const item = (name: string): StagingItem => ({ kind: 'file', name, source: `/proc/products/${name}`, size: 1 });
const ancillary = fc.record({ type: fc.constantFrom('rms_image', 'primary_beam', 'clean_mask', 'spectral_index', 'thumbnail_image'), name: fileName });
const plan: fc.Arbitrary<IngestionPlan> = fc
  .record({
    telescope: fc.constantFrom('EVLA', 'ALMA', 'VLBA'),
    inputs: fc.array(fc.record({ type: fc.constantFrom('execution_block' as const, 'calibration' as const), locator: fc.string({ minLength: 1, maxLength: 40 }).map((text) => `uid://evla/x/${text}`) }), { maxLength: 2 }),
    science: fc.array(fc.record({ type: fc.constantFrom('execution_block' as const, 'calibration' as const, 'image' as const), name: fileName, ancillaries: fc.array(ancillary, { maxLength: 4 }) }), { minLength: 1, maxLength: 5 }),
    group: fc.array(fc.record({ type: fc.constantFrom('pipeline_weblog', 'pipeline_artifacts'), name: fileName }), { maxLength: 2 }),
    collection: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
    additional: fc.option(fileName, { nil: undefined }),
  })
  .map(({ telescope, inputs, science, group, collection, additional }) => ({
    telescope,
    inputs,
    science: science.map((product): ScienceProduct => ({ type: product.type, item: item(product.name), ancillaries: product.ancillaries.map((a): Ancillary => ({ type: a.type, item: item(a.name) })) })),
    ancillaries: group.map((a): Ancillary => ({ type: a.type, item: item(a.name) })),
    ...(collection !== undefined ? { collectionName: collection } : {}),
    ...(additional !== undefined ? { additionalMetadata: item(additional) } : {}),
  }));

describeTargets('ingest-envoy', [
  propertyTarget({
    name: 'ingest-envoy/manifest-building: every plan gives a manifest valid against the schema, in the spec\'s key order, naming exactly the plan\'s files',
    arbitrary: fc.tuple(plan, fc.boolean(), fc.stringMatching(/^\/[a-z0-9/_-]{1,40}$/)),
    check: async ([ingestion, reingest, stagingDir]) => {
      const manifest = buildManifest(ingestion, { stagingDir, reingest, artifactsName: 'ingestion_artifacts_2026_12_03T06_00_00.000.tar' });
      await validateManifest(manifest);
      const parsed = JSON.parse(serializeManifest(manifest)) as Record<string, unknown>;
      if (Object.keys(parsed).join() !== 'parameters,input_group,output_group,ingestion_artifacts') throw new Error(`key order ${Object.keys(parsed).join()}`);
      const expected = [
        ...ingestion.science.flatMap((product) => [product.item.name, ...product.ancillaries.map((a) => a.item.name)]),
        ...ingestion.ancillaries.map((a) => a.item.name),
        'ingestion_artifacts_2026_12_03T06_00_00.000.tar',
        ...(ingestion.additionalMetadata ? [ingestion.additionalMetadata.name] : []),
      ];
      if (JSON.stringify(manifestFilenames(manifest)) !== JSON.stringify(expected)) throw new Error(`files ${JSON.stringify(manifestFilenames(manifest))}`);
      if (manifest.parameters.reingest !== reingest || manifest.parameters.ingestion_path !== stagingDir) throw new Error('parameters');
      if ((manifest.parameters.additional_metadata ?? undefined) !== ingestion.additionalMetadata?.name) throw new Error('additional_metadata');
    },
  }),
]);
