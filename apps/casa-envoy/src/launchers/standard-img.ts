import type { LauncherFactory } from '@envoys/envoy-core';
import { casaRun } from '../casa/casa-run';

/** `-i METADATA PPR`: standard imaging of a calibrated measurement set. */
export const standardImg: LauncherFactory = (context) => casaRun(context, { mode: 'standard-img', restore: false, products: 'imaging' });
