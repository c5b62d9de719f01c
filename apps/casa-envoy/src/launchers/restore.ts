import type { LauncherFactory } from '@envoys/envoy-core';
import { casaRun } from '../casa/casa-run';

/** `-c METADATA PPR --restore`: apply archived calibration tables (extracted into products/) to the raw EB. */
export const restore: LauncherFactory = (context) => casaRun(context, { mode: 'restore', restore: true, products: 'restore' });
