import type { LauncherFactory } from '@envoys/envoy-core';
import { auditImageIngestion } from '../audit/images';
import { ingestionLauncher } from '../ingestion/ingestion';

/** ingest-envoy --image DIR (CONTRACT 5.2): FITS images with their ancillaries, weblog and pipeline artifacts. */
export const image: LauncherFactory = (context) =>
  ingestionLauncher(context, {
    audit: (dir, timestamp) => auditImageIngestion(dir, timestamp),
  });
