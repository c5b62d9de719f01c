import type { LauncherFactory } from '@envoys/envoy-core';
import { auditFolder } from '../session/audit';
import { cartaSession } from '../session/session';

/** carta-envoy --folder DIR: a session that browses a directory of images. */
export const folder: LauncherFactory = (context) => cartaSession(context, 'DIR', auditFolder);
