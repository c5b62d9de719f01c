import { randomBytes } from 'node:crypto';
import type { Redactor } from '@envoys/envoy-core';

/**
 * The session's secret: whoever has it can use the backend (read the user's images). 192 random bits, hex so
 * that it survives any URL or header unchanged. It is registered with the redactor before it is returned,
 * so no log line, report or echo of the backend's output can carry it from then on.
 */
export function newToken(redactor: Redactor): string {
  const token = randomBytes(24).toString('hex');
  redactor.add(token);
  return token;
}
