import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

export const standardCal: LauncherFactory = () => {
  throw new UnavailableError('not yet');
};
