import { findExecutable } from '@envoys/envoy-core';

/**
 * Finds the ingest executable before anything is staged, so that a node without it fails at once (69) with
 * a message saying what was looked for and where, instead of after minutes of staging.
 */
export function resolveIngestCommand(command: string, env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<string> {
  return findExecutable(command, { env, cwd, what: 'ingest command', setBy: 'setting envoys.ingest.command, environment ENVOY_INGEST_COMMAND' });
}
