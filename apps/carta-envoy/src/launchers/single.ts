import type { LauncherFactory } from '@envoys/envoy-core';
import { auditImage } from '../session/audit';
import { cartaSession } from '../session/session';

/** carta-envoy --single IMAGE: a session that opens one image; CARTA may browse the image's folder. */
export const single: LauncherFactory = (context) => cartaSession(context, 'IMAGE', auditImage);
