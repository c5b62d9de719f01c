import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Where tools/scripts/python-venvs.mjs makes the venvs of tools/scripts/python-venvs.txt (kept in step with it).
function venvsRoot(): string {
  return (
    process.env['ENVOYS_VENVS'] ||
    join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'envoys', 'venvs')
  );
}

/**
 * The directory of a Python venv the test suites use (its `bin/` holds the real programs: `traefik`, `python`).
 * `npm test` makes the venvs before any test runs; a test run some other way says how to make them.
 */
export function pythonVenv(name: string): string {
  const dir = join(venvsRoot(), name);
  if (!existsSync(join(dir, 'bin', 'python'))) {
    throw new Error(
      `the Python venv ${dir} is missing: run \`node tools/scripts/python-venvs.mjs test\` (npm test makes it)`,
    );
  }
  return dir;
}
