import type { CasaMode } from '../modes';

/** metadata.json's projectMetadata (CONTRACT 4.3); only string values are kept. */
export interface ProjectMetadata {
  readonly projectCode?: string;
  readonly title?: string;
  readonly telescope?: string;
  readonly startTime?: string;
  readonly observer?: string;
}

/** metadata.json after the audit for a mode (CONTRACT 4.3). */
export interface Metadata {
  /** The SDM identifier(s); a single string in the file becomes a list of one. */
  readonly fileSetIds: readonly [string, ...string[]];
  readonly workflowName: string;
  readonly systemId: string;
  readonly creationTime: string;
  readonly productLocator: string;
  readonly destinationDirectory: string;
  readonly calibrationSourceDirectory?: string;
  readonly cmsName?: string;
  /** A bare file name in rawdata/ when given. */
  readonly calibrationTarball?: string;
  readonly projectMetadata?: ProjectMetadata;
  /** The whole object as read, for fields this library does not interpret (calProductLocator, ...). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Standard imaging needs a calibrated measurement set to image. */
export interface ImagingMetadata extends Metadata {
  readonly calibrationSourceDirectory: string;
  readonly cmsName: string;
}

export type MetadataFor<M extends CasaMode> = M extends 'standard-img' ? ImagingMetadata : Metadata;

export type MetadataAudit<M extends CasaMode> =
  | { readonly ok: true; readonly metadata: MetadataFor<M> }
  | { readonly ok: false; readonly problems: readonly string[] };
