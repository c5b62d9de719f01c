import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvoyError, ExitCode } from '../src/errors';
import { loadSettings, MAX_PROPERTIES_BYTES, type SettingSpec } from '../src/settings';

const NAME: SettingSpec = { key: 'envoys.test.name', type: 'string', description: 'a name' };
const PATTERN: SettingSpec = {
  key: 'envoys.test.pattern',
  type: 'string',
  description: 'a regular expression',
  env: 'TEST_PATTERN',
  check: (value) => {
    try {
      new RegExp(String(value));
      return undefined;
    } catch (error) {
      return `not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, "")}`;
    }
  },
};

async function failure(promise: Promise<unknown>): Promise<EnvoyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EnvoyError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

// Settings files must be regular files of a sane size: anything else is 65 naming the file, never a hang.
describe('CAPO properties files that are not properties files', () => {
  let site: string;
  let home: string;
  const load = () => loadSettings([NAME, PATTERN], { env: { CAPO_PROFILE: 'test', CAPO_PATH: site }, homeDir: home });

  beforeEach(() => {
    const root = mkdtempSync(join(tmpdir(), 'capo-hostile-'));
    site = join(root, 'site');
    home = join(root, 'home');
    mkdirSync(site);
    mkdirSync(join(home, '.capo'), { recursive: true });
  });

  it('a FIFO is refused at once, without waiting for a writer', async () => {
    const fifo = join(home, '.capo', 'test.properties');
    execFileSync('mkfifo', [fifo]);
    const error = await failure(load());
    expect([error.exitCode, error.message]).toEqual([ExitCode.InvalidInput, `CAPO properties file ${fifo}: is a FIFO (named pipe), not a regular file`]);
  });

  it('a symbolic link to /dev/zero is refused as a device, without reading it', async () => {
    const file = join(site, 'test.properties');
    symlinkSync('/dev/zero', file);
    const error = await failure(load());
    expect([error.exitCode, error.message]).toEqual([ExitCode.InvalidInput, `CAPO properties file ${file}: is a character device, not a regular file`]);
  });

  it('a directory is refused', async () => {
    const dir = join(site, 'test.properties');
    mkdirSync(dir);
    const error = await failure(load());
    expect([error.exitCode, error.message]).toEqual([ExitCode.InvalidInput, `CAPO properties file ${dir}: is a directory, not a file`]);
  });

  it('a file larger than the bound is refused before it is read', async () => {
    const file = join(site, 'test.properties');
    writeFileSync(file, 'envoys.test.name = x\n');
    truncateSync(file, 600 * 1024 * 1024);
    const error = await failure(load());
    expect(MAX_PROPERTIES_BYTES).toBe(4 * 1024 * 1024);
    expect([error.exitCode, error.message]).toEqual([ExitCode.InvalidInput, `CAPO properties file ${file}: is larger than 4 MiB, too large for this kind of file`]);
  });

  it('a file just under the bound is read', async () => {
    const file = join(site, 'test.properties');
    writeFileSync(file, `${'#'.repeat(MAX_PROPERTIES_BYTES - 100)}\nenvoys.test.name = big\n`);
    const settings = await load();
    expect(settings.string('envoys.test.name')).toBe('big');
  });
});

describe('settings checked by the envoy', () => {
  it('a value its check refuses is 65 naming the key and its file and line', async () => {
    const root = mkdtempSync(join(tmpdir(), 'capo-check-'));
    writeFileSync(join(root, 'test.properties'), '# site\n\nenvoys.test.pattern = SEVERE(\n');
    const error = await failure(loadSettings([PATTERN], { env: { CAPO_PROFILE: 'test', CAPO_PATH: root }, homeDir: root }));
    expect(error.exitCode).toBe(ExitCode.InvalidInput);
    expect(error.message).toBe(
      `setting envoys.test.pattern = "SEVERE(" from ${join(root, 'test.properties')}:3 is not a valid regular expression: Unterminated group`,
    );
  });

  it('echoed values have their control characters escaped and are shortened', async () => {
    const long = `(${'a'.repeat(1024 * 1024)}`;
    const error = await failure(loadSettings([PATTERN], { env: { TEST_PATTERN: `\u001b[31m${long}` }, homeDir: tmpdir() }));
    expect(error.message).toMatch(/^setting envoys\.test\.pattern = "\\x1b\[31m\(a+…\[\d+ characters left out\]…a+" from environment variable TEST_PATTERN is not a valid/);
    expect(error.message.includes("\u001b")).toBe(false);
    expect(error.message.length).toBeLessThan(2000);
  });
});
