import { UnavailableError, type LauncherFactory } from '@envoys/envoy-core';

export const verifyRun: LauncherFactory = () => {
  throw new UnavailableError('not yet');
};
