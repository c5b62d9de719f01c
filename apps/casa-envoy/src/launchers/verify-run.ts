import type { LauncherFactory } from '@envoys/envoy-core';
import { verifyOnly } from '../casa/verify-only';

/** `--verify DIR`: re-check a finished run's logs and markers. */
export const verifyRun: LauncherFactory = (context) => verifyOnly(context);
