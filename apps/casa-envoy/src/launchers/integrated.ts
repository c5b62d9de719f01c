import type { LauncherFactory } from '@envoys/envoy-core';
import { casaRun } from '../casa/casa-run';

/** `-i METADATA PPR --integrated`: restore, then image, in one CASA run. */
export const integrated: LauncherFactory = (context) => casaRun(context, { mode: 'integrated', restore: true, products: 'integrated' });
