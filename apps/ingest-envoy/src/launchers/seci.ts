import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

/** ingest-envoy --seci: product staging and ingest launch are built on this launcher (SPEC 5). */
export const seci: LauncherFactory = () => {
  throw new UnavailableError('ingest-envoy --seci is not available in this release');
};
