import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

/** carta-envoy --folder: the CARTA session is built on this launcher (SPEC 6). */
export const folder: LauncherFactory = () => {
  throw new UnavailableError('carta-envoy --folder is not available in this release');
};
