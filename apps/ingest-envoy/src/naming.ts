import { InvalidInputError } from '@envoys/envoy-core';

/** The manifest's name in the staging directory; its presence marks a finished staging (CONTRACT 5.3). */
export const MANIFEST_NAME = 'ingestion-manifest.json';

/** The weblog as it is staged (CONTRACT 5.2). */
export const WEBLOG_NAME = 'weblog.tgz';

/** The optional extra metadata file of image and seci ingestions, in DIR and in staging (CONTRACT 5.2). */
export const ADDITIONAL_METADATA_NAME = 'additional_metadata.json';

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * The archive's timestamp in generated file names: UTC `YYYY_MM_DDTHH_MM_SS.sss` (CONTRACT 5.2). One per run,
 * so the caltables tar and both artifacts tars of one ingestion carry the same stamp.
 */
export function ingestTimestamp(date: Date): string {
  return (
    `${date.getUTCFullYear()}_${pad(date.getUTCMonth() + 1)}_${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}_${pad(date.getUTCMinutes())}_${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`
  );
}

/** Whether `name` is one path component: what the manifest's `filename` and a staged name must be. */
export function isBareName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** A value from an input that becomes a file name must be a bare name (CONTRACT 3.6); 65 otherwise. */
export function requireBareName(name: string, what: string): string {
  if (!isBareName(name)) throw new InvalidInputError(`${what} ${JSON.stringify(name)} is not a plain file name (it must not contain "/" or be "." or "..")`);
  return name;
}
