import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

/** carta-envoy --single: the CARTA session is built on this launcher (SPEC 6). */
export const single: LauncherFactory = () => {
  throw new UnavailableError('carta-envoy --single is not available in this release');
};
