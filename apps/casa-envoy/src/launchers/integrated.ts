import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

export const integrated: LauncherFactory = () => {
  throw new UnavailableError('not yet');
};
