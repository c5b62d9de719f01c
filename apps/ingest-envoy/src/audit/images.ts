import { InvalidInputError, inputError, readInputFile } from '@envoys/envoy-core';
import { ADDITIONAL_METADATA_NAME } from '../naming';
import type { IngestionPlan, StagingItem } from '../plan';
import { MAX_METADATA_BYTES, readIngestMetadata } from './metadata';
import { inDir, type ProcessingDir } from './processing-dir';
import { imageGroups, listProducts, pipelineArtifactEntries, type ProductEntry } from './products';
import { describeEntry } from './tree';
import { newestWeblog, weblogItem } from './weblog';

const fileItem = (entry: ProductEntry): StagingItem => ({ kind: 'file', name: entry.name, source: entry.source, size: entry.size });

/** DIR/additional_metadata.json when present: a JSON file (65 if it is not) staged under its own name. */
async function additionalMetadata(dir: ProcessingDir): Promise<StagingItem | undefined> {
  const path = inDir(dir, ADDITIONAL_METADATA_NAME);
  let entry;
  try {
    entry = await describeEntry(path, dir);
  } catch (error) {
    if (inputError(error, path).exitCode === 66) return undefined;
    throw error;
  }
  if (entry.kind !== 'file') throw new InvalidInputError(`${path} is not a regular file`);
  const text = (await readInputFile({ path: entry.source, label: path }, { maxBytes: MAX_METADATA_BYTES })).toString('utf8');
  try {
    JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${path}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { kind: 'file', name: ADDITIONAL_METADATA_NAME, source: entry.source, size: entry.size };
}

/**
 * image and seci (CONTRACT 5.2): the science images with their ancillaries, a fresh weblog, the pipeline's own
 * record as pipeline_artifacts_<timestamp>.tar (when there is one), and the optional additional metadata; the
 * input is the calibration the images were made from.
 */
export async function auditImageIngestion(dir: ProcessingDir, timestamp: string, collectionName?: string): Promise<IngestionPlan> {
  const metadata = await readIngestMetadata(dir, { calProductLocator: true });
  const products = await listProducts(dir);
  const groups = imageGroups(products);
  const weblog = await newestWeblog(dir);
  const artifacts = pipelineArtifactEntries(products);
  const extra = await additionalMetadata(dir);
  const ancillaries = [{ type: 'pipeline_weblog', item: weblogItem(weblog) }];
  if (artifacts.length > 0) {
    ancillaries.push({
      type: 'pipeline_artifacts',
      item: {
        kind: 'tar',
        name: `pipeline_artifacts_${timestamp}.tar`,
        base: products.dir,
        members: artifacts.map((entry) => entry.name),
        gzip: false,
        bytes: artifacts.reduce((sum, entry) => sum + entry.size, 0),
      },
    });
  }
  return {
    telescope: metadata.telescope,
    inputs: [{ type: 'calibration', locator: metadata.calProductLocator as string }],
    science: groups.map((group) => ({
      type: 'image',
      item: fileItem(group.image),
      ancillaries: group.ancillaries.map((ancillary) => ({ type: ancillary.type, item: fileItem(ancillary.entry) })),
    })),
    ancillaries,
    ...(extra ? { additionalMetadata: extra } : {}),
    ...(collectionName !== undefined ? { collectionName } : {}),
  };
}
