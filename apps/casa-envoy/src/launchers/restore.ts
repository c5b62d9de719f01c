import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

export const restore: LauncherFactory = () => {
  throw new UnavailableError('not yet');
};
