import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { UnavailableError } from '@envoys/envoy-core';

async function executableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds the CARTA backend before anything is started, so that a missing installation is a clear exit 69
 * naming the setting, not a half-built session. A name without a slash is looked up on PATH, as the
 * launch would; the launch then uses the path found, which the report records.
 */
export async function findBackend(command: string, cwd: string, path: string | undefined): Promise<string> {
  const hint = 'set envoys.carta.backend or CARTA_BACKEND to the carta_backend executable';
  if (command.includes('/')) {
    const full = isAbsolute(command) ? command : resolve(cwd, command);
    if (await executableFile(full)) return full;
    throw new UnavailableError(`CARTA backend ${full} does not exist or is not executable (${hint})`);
  }
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(resolve(cwd, dir), command);
    if (await executableFile(candidate)) return candidate;
  }
  throw new UnavailableError(`CARTA backend ${command} not found on PATH (${hint})`);
}
