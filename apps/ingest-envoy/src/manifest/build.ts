import type { Ancillary, IngestionPlan } from '../plan';

/** The names the ingestion's own record gets (CONTRACT 5.3). */
export function ingestionArtifactsName(timestamp: string): string {
  return `ingestion_artifacts_${timestamp}.tar`;
}

interface ManifestFile {
  type: string;
  filename: string;
}

/** The manifest as a plain object; its key order is the file's key order (CONTRACT 5.3). */
export interface IngestionManifest {
  parameters: {
    reingest: boolean;
    ngas_ingest: boolean;
    telescope: string;
    ingestion_path: string;
    collection_name?: string;
    additional_metadata?: string;
  };
  input_group: { science_products: Array<{ type: string; locator: string }> };
  output_group: {
    science_products: Array<ManifestFile & { ancillary_products?: ManifestFile[] }>;
    ancillary_products?: ManifestFile[];
  };
  ingestion_artifacts: { ancillary_products: ManifestFile[] };
}

const file = (ancillary: Ancillary): ManifestFile => ({ type: ancillary.type, filename: ancillary.item.name });

/**
 * Builds the manifest from the plan. Objects are written literally, key by key, because the archive's readers
 * (and people comparing manifests) expect CONTRACT 5.3's order: parameters, input_group, output_group,
 * ingestion_artifacts; optional keys are left out rather than written as null.
 */
export function buildManifest(plan: IngestionPlan, options: { stagingDir: string; reingest: boolean; artifactsName: string }): IngestionManifest {
  const parameters: IngestionManifest['parameters'] = {
    reingest: options.reingest,
    ngas_ingest: true,
    telescope: plan.telescope,
    ingestion_path: options.stagingDir,
  };
  if (plan.collectionName !== undefined) parameters.collection_name = plan.collectionName;
  if (plan.additionalMetadata) parameters.additional_metadata = plan.additionalMetadata.name;

  const output: IngestionManifest['output_group'] = {
    science_products: plan.science.map((product) => {
      const entry: ManifestFile & { ancillary_products?: ManifestFile[] } = { type: product.type, filename: product.item.name };
      if (product.ancillaries.length > 0) entry.ancillary_products = product.ancillaries.map(file);
      return entry;
    }),
  };
  if (plan.ancillaries.length > 0) output.ancillary_products = plan.ancillaries.map(file);

  return {
    parameters,
    input_group: { science_products: plan.inputs.map((input) => ({ type: input.type, locator: input.locator })) },
    output_group: output,
    ingestion_artifacts: { ancillary_products: [{ type: 'ingestion_artifacts', filename: options.artifactsName }] },
  };
}

/** The file's text: two-space indentation and a final newline, as people read it. */
export function serializeManifest(manifest: IngestionManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
