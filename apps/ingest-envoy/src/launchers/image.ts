import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

/** ingest-envoy --image: product staging and ingest launch are built on this launcher (SPEC 5). */
export const image: LauncherFactory = () => {
  throw new UnavailableError('ingest-envoy --image is not available in this release');
};
