import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

/** ingest-envoy --observation: product staging and ingest launch are built on this launcher (SPEC 5). */
export const observation: LauncherFactory = () => {
  throw new UnavailableError('ingest-envoy --observation is not available in this release');
};
