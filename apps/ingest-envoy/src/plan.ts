import type { Tree } from './audit/tree';

/**
 * One thing placed in the staging directory under a bare `name`: a file linked or copied from the processing
 * directory, a directory tree (the observation's SDM), or a tar made from files on disk.
 */
export type StagingItem =
  | { readonly kind: 'file'; readonly name: string; readonly source: string; readonly size: number }
  | { readonly kind: 'tree'; readonly name: string; readonly source: string; readonly tree: Tree }
  | {
      readonly kind: 'tar';
      readonly name: string;
      /** Directory the members are relative to. */
      readonly base: string;
      /** Members as named in the tar (paths below `base`; directories are taken whole). */
      readonly members: readonly string[];
      readonly gzip: boolean;
      /** Bytes of the files it reads, for progress. */
      readonly bytes: number;
    };

export interface Ancillary {
  readonly type: string;
  readonly item: StagingItem;
}

export interface ScienceProduct {
  readonly type: 'execution_block' | 'calibration' | 'image';
  readonly item: StagingItem;
  readonly ancillaries: readonly Ancillary[];
}

export interface InputProduct {
  readonly type: 'execution_block' | 'calibration' | 'image';
  readonly locator: string;
}

/**
 * What a launcher's audit decides for one ingestion (CONTRACT 5.2, 5.3): what to stage, and what the manifest
 * says about it. The shared steps stage it, write the manifest and launch ingest.
 */
export interface IngestionPlan {
  readonly telescope: string;
  readonly inputs: readonly InputProduct[];
  readonly science: readonly ScienceProduct[];
  /** Group-level ancillaries (weblog, pipeline artifacts), in manifest order. */
  readonly ancillaries: readonly Ancillary[];
  /** image/seci: the extra metadata file, named in parameters.additional_metadata. */
  readonly additionalMetadata?: StagingItem;
  /** seci: the collection. */
  readonly collectionName?: string;
}

/** Every item of a plan in staging order: science products with their ancillaries, then the group's. */
export function stagingItems(plan: IngestionPlan): StagingItem[] {
  return [
    ...plan.science.flatMap((product) => [product.item, ...product.ancillaries.map((ancillary) => ancillary.item)]),
    ...plan.ancillaries.map((ancillary) => ancillary.item),
    ...(plan.additionalMetadata ? [plan.additionalMetadata] : []),
  ];
}
