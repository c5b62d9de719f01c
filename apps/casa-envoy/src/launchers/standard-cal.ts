import type { LauncherFactory } from '@envoys/envoy-core';
import { CasaRun } from '../casa/casa-run';

/** `-c METADATA PPR`: standard calibration of an execution block. */
export const standardCal: LauncherFactory = (context) =>
  new CasaRun(context, { mode: 'standard-cal', restore: false, products: 'calibration' });
