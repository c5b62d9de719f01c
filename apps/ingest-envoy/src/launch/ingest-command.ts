import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { UnavailableError } from '@envoys/envoy-core';

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the ingest executable before anything is staged, so that a node without it fails at once (69) with
 * a message saying what was looked for and where, instead of after minutes of staging. A name with a slash
 * is a path (relative to the envoy's working directory); a bare name is looked up on PATH like a shell does.
 */
export async function resolveIngestCommand(command: string, env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<string> {
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    if (await isExecutableFile(path)) return path;
    throw new UnavailableError(`ingest command ${path} (setting envoys.ingest.command) is not an executable file`);
  }
  const searched = (env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of searched) {
    const candidate = join(isAbsolute(dir) ? dir : resolve(cwd, dir), command);
    if (await isExecutableFile(candidate)) return candidate;
  }
  throw new UnavailableError(`ingest command "${command}" not found on PATH (setting envoys.ingest.command, environment ENVOY_INGEST_COMMAND)`, [
    `PATH searched: ${searched.join(delimiter) || '(empty)'}`,
  ]);
}
