import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { UnavailableError } from '../errors';

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ExecutableLookup {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** What it is, for messages: `ingest command`, `xvfb-run`. */
  readonly what: string;
  /** Where it is set, for messages: `setting envoys.ingest.command, environment ENVOY_INGEST_COMMAND`. */
  readonly setBy: string;
}

/**
 * Finds an executable the launch needs before anything is prepared, so that a node without it fails at once
 * (69) saying what was looked for and where, instead of at the launch after minutes of work. A name with a
 * slash is a path (relative to the envoy's working directory); a bare name is looked up on PATH as a shell does.
 */
export async function findExecutable(command: string, lookup: ExecutableLookup): Promise<string> {
  const { env, cwd, what, setBy } = lookup;
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    if (await isExecutableFile(path)) return path;
    throw new UnavailableError(`${what} ${path} (${setBy}) is not an executable file`);
  }
  const searched = (env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of searched) {
    const candidate = join(isAbsolute(dir) ? dir : resolve(cwd, dir), command);
    if (await isExecutableFile(candidate)) return candidate;
  }
  throw new UnavailableError(`${what} "${command}" not found on PATH (${setBy})`, [`PATH searched: ${searched.join(delimiter) || '(empty)'}`]);
}
