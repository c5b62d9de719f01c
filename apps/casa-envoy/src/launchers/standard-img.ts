import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

export const standardImg: LauncherFactory = () => {
  throw new UnavailableError('not yet');
};
