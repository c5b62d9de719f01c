import type { LauncherFactory } from '@envoys/envoy-core';
import { casaRun } from '../casa/casa-run';

/** `-c METADATA PPR`: standard calibration of an execution block. */
export const standardCal: LauncherFactory = (context) => casaRun(context, { mode: 'standard-cal', restore: false, products: 'calibration' });
