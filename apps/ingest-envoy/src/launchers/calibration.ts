import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

/** ingest-envoy --calibration: product staging and ingest launch are built on this launcher (SPEC 5). */
export const calibration: LauncherFactory = () => {
  throw new UnavailableError('ingest-envoy --calibration is not available in this release');
};
