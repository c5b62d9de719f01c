import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@envoys/envoy-core';
import { createTarOfBytes } from '@envoys/file-foundation';
import { ADDITIONAL_METADATA_NAME, MANIFEST_NAME } from '../naming';
import type { ReportedFile } from '../stage/stage';
import { serializeManifest, type IngestionManifest } from './build';
import { checkNamedFilesPresent } from './validate';

/**
 * Writes the ingestion's own record into staging (CONTRACT 5.3): `ingestion_artifacts_<timestamp>.tar` holding
 * the manifest (and the additional metadata file, if any), then `ingestion-manifest.json`. The manifest
 * comes last and only once every name it gives is present: a manifest in staging means a complete staging
 * (and is what refuses a second ingestion without --reingest). Returns the two files as staged.
 */
export async function writeIngestionRecord(manifest: IngestionManifest, stagingDir: string, mtime: Date): Promise<ReportedFile[]> {
  const text = serializeManifest(manifest);
  const members = [{ name: MANIFEST_NAME, bytes: Buffer.from(text) }];
  if (manifest.parameters.additional_metadata !== undefined) {
    members.push({ name: ADDITIONAL_METADATA_NAME, bytes: await readFile(join(stagingDir, manifest.parameters.additional_metadata)) });
  }
  const artifactsName = manifest.ingestion_artifacts.ancillary_products[0]?.filename ?? '';
  // Made from the manifest's bytes, not from a file: the manifest must be the last file to appear.
  const artifacts = await createTarOfBytes(join(stagingDir, artifactsName), members, { mtime });
  await checkNamedFilesPresent(manifest, stagingDir);
  await writeFileAtomic(join(stagingDir, MANIFEST_NAME), text);
  return [
    { name: artifactsName, size: artifacts.size, sha256: artifacts.sha256, method: 'created' },
    { name: MANIFEST_NAME, size: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex'), method: 'created' },
  ];
}
