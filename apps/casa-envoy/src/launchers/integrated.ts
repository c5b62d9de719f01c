import type { LauncherFactory } from '@envoys/envoy-core';
import { CasaRun } from '../casa/casa-run';

/** `-i METADATA PPR --integrated`: restore, then image, in one CASA run. */
export const integrated: LauncherFactory = (context) =>
  new CasaRun(context, { mode: 'integrated', restore: true, products: 'integrated' });
