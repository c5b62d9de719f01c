import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { CannotCreateError } from '@envoys/envoy-core';
// The schema is bundled into the envoy (it runs as one file on a node) and is the same file the ingest
// emulator validates against: apps/ingest-envoy/schema/ingestion-manifest.schema.json.
import schema from '../../schema/ingestion-manifest.schema.json';
import type { IngestionManifest } from './build';

type Validate = ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> | null };

let compiled: Validate | undefined;

async function validator(): Promise<Validate> {
  // Loaded on first use: ajv and the schema compilation cost tens of milliseconds that --help and the
  // envoy's cold start should not pay.
  if (!compiled) {
    const { default: Ajv } = await import('ajv');
    compiled = new Ajv({ allErrors: true }).compile(schema) as Validate;
  }
  return compiled;
}

/**
 * Checks the manifest against the repository's JSON Schema before anything is written or launched. A manifest
 * the envoy built that fails its own schema is the envoy failing to create its output (73), with every
 * violation listed.
 */
export async function validateManifest(manifest: IngestionManifest): Promise<void> {
  const validate = await validator();
  if (validate(manifest)) return;
  const problems = (validate.errors ?? []).map((error) => {
    const extra = error.params?.['additionalProperty'];
    return `${error.instancePath || '/'}: ${error.message ?? 'invalid'}${typeof extra === 'string' ? ` (${extra})` : ''}`;
  });
  throw new CannotCreateError(`the ingestion manifest does not match its schema: ${problems[0] ?? 'invalid'}`, problems.slice(1));
}

/** Every name the manifest gives a file to ingest. */
export function manifestFilenames(manifest: IngestionManifest): string[] {
  const names: string[] = [];
  for (const product of manifest.output_group.science_products) {
    names.push(product.filename, ...(product.ancillary_products ?? []).map((ancillary) => ancillary.filename));
  }
  names.push(...(manifest.output_group.ancillary_products ?? []).map((ancillary) => ancillary.filename));
  names.push(...manifest.ingestion_artifacts.ancillary_products.map((artifact) => artifact.filename));
  if (manifest.parameters.additional_metadata !== undefined) names.push(manifest.parameters.additional_metadata);
  return names;
}

/** Every name is unique and present in staging (CONTRACT 5.3): checked after staging, before launch. */
export async function checkNamedFilesPresent(manifest: IngestionManifest, stagingDir: string): Promise<void> {
  const missing: string[] = [];
  for (const name of manifestFilenames(manifest)) {
    if (!(await lstat(join(stagingDir, name)).catch(() => undefined))) missing.push(name);
  }
  if (missing.length > 0) {
    throw new CannotCreateError(`${JSON.stringify(missing[0])} named in the manifest is not in ${stagingDir}`, missing.slice(1).map((name) => `also missing: ${JSON.stringify(name)}`));
  }
}
