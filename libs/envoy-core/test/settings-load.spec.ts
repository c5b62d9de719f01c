import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvoyError, ExitCode, InvalidInputError, UsageError } from '../src/errors';
import { loadSettings, type LoadSettingsOptions, type SettingSpec } from '../src/settings';

const TIMEOUT: SettingSpec = {
  key: 'envoys.casa.timeoutMinutes',
  type: 'number',
  description: 'wall-clock limit',
  env: 'CASA_TIMEOUT_MINUTES',
  default: 60,
  min: 0,
};
const XVFB: SettingSpec = { key: 'envoys.casa.useXvfb', type: 'boolean', description: 'xvfb-run', default: false };
const HOME: SettingSpec = { key: 'envoys.casa.home', type: 'path', description: 'CASA home', env: 'CASA_HOME' };
const TOKEN: SettingSpec = {
  key: 'envoys.test.token',
  type: 'string',
  description: 'a token',
  env: 'TEST_TOKEN',
  secret: true,
};
const SPECS = [TIMEOUT, XVFB, HOME, TOKEN];

/** Rejection of a promise as an EnvoyError, so tests can look at exitCode, message and details together. */
async function failure(promise: Promise<unknown>): Promise<EnvoyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EnvoyError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('loadSettings', () => {
  let root: string;
  let homeDir: string;
  let siteDir: string;
  let groupDir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'envoys-settings-'));
    homeDir = join(root, 'home');
    siteDir = join(root, 'site');
    groupDir = join(root, 'group');
    for (const dir of [join(homeDir, '.capo'), siteDir, groupDir]) mkdirSync(dir, { recursive: true });
    // The profile the tests name exists (an empty one), as on a configured site: a profile without any file is an error.
    writeFileSync(join(homeDir, '.capo', 'test.properties'), '');
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function capo(dir: string, text: string, profile = 'test'): string {
    const file = join(dir, `${profile}.properties`);
    writeFileSync(file, text);
    return file;
  }

  function options(env: Record<string, string>, extra: Partial<LoadSettingsOptions> = {}): LoadSettingsOptions {
    return { env: { CAPO_PROFILE: 'test', CAPO_PATH: `${siteDir}:${groupDir}`, ...env }, homeDir, ...extra };
  }

  describe('layers', () => {
    it('uses the default when nothing else sets a value', async () => {
      const settings = await loadSettings(SPECS, options({}));
      expect(settings.number(TIMEOUT.key)).toBe(60);
      expect(settings.source(TIMEOUT.key)).toEqual({ kind: 'default', name: 'default' });
      expect(settings.has(HOME.key)).toBe(false);
      expect(settings.optionalString(HOME.key)).toBeUndefined();
    });

    it('lets a file beat the default, the environment beat the file, the command line beat them all', async () => {
      const file = capo(siteDir, 'envoys.casa.timeoutMinutes = 10\n');
      expect((await loadSettings(SPECS, options({}))).number(TIMEOUT.key)).toBe(10);

      const fromEnv = await loadSettings(SPECS, options({ CASA_TIMEOUT_MINUTES: '20' }));
      expect(fromEnv.number(TIMEOUT.key)).toBe(20);
      expect(fromEnv.source(TIMEOUT.key)).toEqual({ kind: 'env', name: 'CASA_TIMEOUT_MINUTES' });

      const fromCli = await loadSettings(
        SPECS,
        options(
          { CASA_TIMEOUT_MINUTES: '20' },
          { commandLine: [{ key: TIMEOUT.key, value: '30', source: '--timeout-minutes' }] },
        ),
      );
      expect(fromCli.number(TIMEOUT.key)).toBe(30);
      expect(fromCli.source(TIMEOUT.key)).toEqual({ kind: 'cli', name: '--timeout-minutes' });
      expect(fromCli.filesRead()).toEqual([file, join(homeDir, '.capo', 'test.properties')]);
    });

    it('treats an environment variable set to the empty string as unset', async () => {
      capo(siteDir, 'envoys.casa.timeoutMinutes = 10\n');
      const settings = await loadSettings(SPECS, options({ CASA_TIMEOUT_MINUTES: '' }));
      expect(settings.number(TIMEOUT.key)).toBe(10);
    });

    it('lets the last command-line value for a key win', async () => {
      const settings = await loadSettings(SPECS, {
        ...options({}),
        commandLine: [
          { key: XVFB.key, value: 'yes', source: '--set' },
          { key: 'ENVOYS.CASA.USEXVFB', value: 'no', source: '--set' },
        ],
      });
      expect(settings.boolean(XVFB.key)).toBe(false);
    });
  });

  describe('CAPO files', () => {
    it('layers CAPO_PATH directories in order, then ~/.capo, the later file winning', async () => {
      const site = capo(
        siteDir,
        'envoys.casa.timeoutMinutes = 1\nenvoys.casa.useXvfb = true\nenvoys.casa.home = /site\n',
      );
      const group = capo(groupDir, 'envoys.casa.timeoutMinutes = 2\nenvoys.casa.home = /group\n');
      const home = capo(join(homeDir, '.capo'), 'envoys.casa.timeoutMinutes = 3\n');
      const settings = await loadSettings(SPECS, options({}));
      expect(settings.number(TIMEOUT.key)).toBe(3);
      expect(settings.string(HOME.key)).toBe('/group');
      expect(settings.boolean(XVFB.key)).toBe(true);
      expect(settings.source(HOME.key)).toEqual({ kind: 'file', name: group, line: 2 });
      expect(settings.filesRead()).toEqual([site, group, home]);
    });

    it('skips missing files and CAPO_PATH entries that are not directories', async () => {
      const home = capo(join(homeDir, '.capo'), 'envoys.casa.timeoutMinutes = 3\n');
      const notADir = join(root, 'plain-file');
      writeFileSync(notADir, '');
      const settings = await loadSettings(
        SPECS,
        options({ CAPO_PATH: `${join(root, 'nowhere')}:${notADir}:${siteDir}` }),
      );
      expect(settings.number(TIMEOUT.key)).toBe(3);
      expect(settings.filesRead()).toEqual([home]);
    });

    it('reads no file without CAPO_PROFILE', async () => {
      capo(siteDir, 'envoys.casa.timeoutMinutes = 1\n');
      capo(join(homeDir, '.capo'), 'envoys.casa.timeoutMinutes = 3\n');
      const settings = await loadSettings(SPECS, {
        env: { CAPO_PATH: siteDir, CASA_HOME: '/opt/casa' },
        homeDir,
      });
      expect(settings.number(TIMEOUT.key)).toBe(60);
      expect(settings.string(HOME.key)).toBe('/opt/casa');
      expect(settings.filesRead()).toEqual([]);
    });

    it('reads the profile named by CAPO_PROFILE', async () => {
      capo(siteDir, 'envoys.casa.timeoutMinutes = 1\n', 'test');
      capo(siteDir, 'envoys.casa.timeoutMinutes = 7\n', 'dsoc-prod');
      const settings = await loadSettings(SPECS, options({ CAPO_PROFILE: 'dsoc-prod' }));
      expect(settings.number(TIMEOUT.key)).toBe(7);
    });

    it('matches keys case-insensitively, in files, on the command line and in accessors', async () => {
      capo(siteDir, 'ENVOYS.CASA.USEXVFB = TRUE\nEnvoys.Casa.TimeoutMinutes = 4\n');
      const settings = await loadSettings(SPECS, options({}));
      expect(settings.boolean('envoys.casa.useXvfb')).toBe(true);
      expect(settings.number('envoys.casa.timeoutminutes')).toBe(4);
    });

    it('ignores keys this envoy does not declare, even when their values would be invalid', async () => {
      capo(siteDir, 'edu.nrao.archive.workflow.config.x = ${env:NOT_SET_ANYWHERE}\nother.number = abc\nnot a line\n');
      const settings = await loadSettings(SPECS, options({}));
      expect(settings.number(TIMEOUT.key)).toBe(60);
    });

    it('reads comments, CRLF line ends and a byte-order mark; `;` in a value is part of it', async () => {
      capo(
        siteDir,
        '\uFEFF# site settings\r\n! more\r\n' +
          'envoys.casa.timeoutMinutes: 5\r\nenvoys.casa.home=/opt/casa ; CASA 6\r\n',
      );
      const settings = await loadSettings(SPECS, options({}));
      expect(settings.number(TIMEOUT.key)).toBe(5);
      expect(settings.string(HOME.key)).toBe('/opt/casa ; CASA 6');
    });

    it('refuses an unknown key in its own namespaces naming file and line, with a did-you-mean (65)', async () => {
      const file = capo(siteDir, 'envoys.casa.home = /opt/casa\nenvoys.casa.timeoutMinute = 5\n');
      const error = await failure(loadSettings(SPECS, options({})));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message).toBe(`unknown setting "envoys.casa.timeoutMinute" in ${file}:2 (did you mean envoys.casa.timeoutMinutes?)`);
    });

    it("leaves other envoys' and other programs' keys alone, but catches a misspelled namespace", async () => {
      capo(siteDir, 'envoys.carta.host = h\nenvoys.ingest.command = /bin/ingest\nedu.nrao.x = 1\n');
      await expect(loadSettings(SPECS, options({}))).resolves.toBeDefined();
      const file = capo(groupDir, 'envoys.cas.home = /opt/casa\n');
      const error = await failure(loadSettings(SPECS, options({})));
      expect(error.message).toBe(`unknown setting "envoys.cas.home" in ${file}:1 (did you mean envoys.casa.home?)`);
    });

    it('refuses a CAPO_PROFILE for which no file exists, naming every place looked in', async () => {
      const error = await failure(loadSettings(SPECS, options({ CAPO_PROFILE: 'dsoc-prd' })));
      expect(error.exitCode).toBe(65);
      expect(error.message).toBe(
        `CAPO_PROFILE "dsoc-prd" names no properties file: looked for ${join(siteDir, 'dsoc-prd.properties')}, ${join(groupDir, 'dsoc-prd.properties')}, ${join(homeDir, '.capo', 'dsoc-prd.properties')}`,
      );
    });

    it('treats `key =` as not set, so an earlier file shows through', async () => {
      capo(siteDir, 'envoys.casa.home = /site\n');
      capo(groupDir, 'envoys.casa.home =\n');
      const settings = await loadSettings(SPECS, options({}));
      expect(settings.string(HOME.key)).toBe('/site');
    });

    it('fails with 65 naming a properties file that exists but cannot be read (a directory)', async () => {
      const dir = join(siteDir, 'test.properties');
      mkdirSync(dir);
      const error = await failure(loadSettings(SPECS, options({})));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.exitCode).toBe(ExitCode.InvalidInput);
      expect(error.message).toContain(dir);
    });

    const asRoot = process.getuid?.() === 0;
    (asRoot ? it.skip : it)('fails with 65 naming a properties file without read permission', async () => {
      const file = capo(siteDir, 'envoys.casa.timeoutMinutes = 1\n');
      chmodSync(file, 0o000);
      const error = await failure(loadSettings(SPECS, options({})));
      expect(error.exitCode).toBe(ExitCode.InvalidInput);
      expect(error.message).toContain(file);
    });
  });

  describe('${env:NAME} in values', () => {
    it('replaces every reference by the environment variable', async () => {
      capo(siteDir, 'envoys.casa.home = ${env:SITE}/casa/${env:VERSION}\n');
      const settings = await loadSettings(SPECS, options({ SITE: '/opt', VERSION: '6.6.1' }));
      expect(settings.string(HOME.key)).toBe('/opt/casa/6.6.1');
    });

    it('keeps $ patterns in the variable value literal', async () => {
      capo(siteDir, 'envoys.test.token = ${env:RAW}\n');
      const settings = await loadSettings(SPECS, options({ RAW: 'a$&b$1' }));
      expect(settings.string(TOKEN.key)).toBe('a$&b$1');
    });

    it('fails with 65 naming key, file and variable when the variable is not set', async () => {
      const file = capo(siteDir, 'envoys.casa.home = ${env:CASA_ROOT}/casa\n');
      const error = await failure(loadSettings(SPECS, options({})));
      expect(error.exitCode).toBe(ExitCode.InvalidInput);
      expect(error.message).toContain('envoys.casa.home');
      expect(error.message).toContain(file);
      expect(error.message).toContain('CASA_ROOT');
    });

    it('does not evaluate a reference that a higher layer overrides', async () => {
      capo(siteDir, 'envoys.casa.home = ${env:CASA_ROOT}/casa\n');
      const settings = await loadSettings(SPECS, options({ CASA_HOME: '/opt/casa' }));
      expect(settings.string(HOME.key)).toBe('/opt/casa');
    });
  });

  describe('bad values', () => {
    it('names key, value and file path for a bad number in a file, exit 65', async () => {
      const file = capo(groupDir, '# header\nenvoys.casa.timeoutMinutes = abc\n');
      const error = await failure(loadSettings(SPECS, options({})));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.exitCode).toBe(65);
      expect(error.message).toBe(`setting envoys.casa.timeoutMinutes = "abc" from ${file}:2 is not a number`);
    });

    it('names the environment variable for a bad number from the environment', async () => {
      const error = await failure(loadSettings(SPECS, options({ CASA_TIMEOUT_MINUTES: 'ten' })));
      expect(error.exitCode).toBe(65);
      expect(error.message).toBe(
        'setting envoys.casa.timeoutMinutes = "ten" from environment variable CASA_TIMEOUT_MINUTES is not a number',
      );
    });

    it('names the option for a bad value from the command line', async () => {
      const error = await failure(
        loadSettings(SPECS, options({}, { commandLine: [{ key: XVFB.key, value: 'maybe', source: '--set' }] })),
      );
      expect(error).toBeInstanceOf(UsageError);
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain('envoys.casa.useXvfb = "maybe" from --set is not a boolean');
    });

    it('rejects a bad boolean from a file', async () => {
      const file = capo(siteDir, 'envoys.casa.useXvfb = sometimes\n');
      const error = await failure(loadSettings(SPECS, options({})));
      expect(error.exitCode).toBe(65);
      expect(error.message).toContain('envoys.casa.useXvfb');
      expect(error.message).toContain(file);
      expect(error.message).toContain('not a boolean');
    });

    it('rejects a value below the minimum', async () => {
      const error = await failure(loadSettings(SPECS, options({ CASA_TIMEOUT_MINUTES: '-1' })));
      expect(error.exitCode).toBe(65);
      expect(error.message).toContain('is less than the minimum 0');
    });

    it('rejects an empty command-line value instead of ignoring it', async () => {
      const error = await failure(
        loadSettings(SPECS, options({}, { commandLine: [{ key: HOME.key, value: '', source: '--set' }] })),
      );
      expect(error.message).toContain('envoys.casa.home = "" from --set is not a path');
    });

    it('rejects an unknown command-line key with 2, suggesting the declared key it nearly is', async () => {
      const commandLine = [{ key: 'envoys.casa.timeout', value: '1', source: '--set' }];
      const error = await failure(loadSettings(SPECS, options({}, { commandLine })));
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe('unknown setting "envoys.casa.timeout" from --set');
      const near = await failure(loadSettings(SPECS, options({}, { commandLine: [{ key: 'envoys.casa.timeoutMinute', value: '1', source: '--set' }] })));
      expect(near.message).toBe('unknown setting "envoys.casa.timeoutMinute" from --set (did you mean envoys.casa.timeoutMinutes?)');
    });

    it('validates every setting at load time and reports all problems together', async () => {
      const file = capo(siteDir, 'envoys.casa.useXvfb = perhaps\n');
      const error = await failure(
        loadSettings(
          SPECS,
          options(
            { CASA_TIMEOUT_MINUTES: '1e3' },
            { commandLine: [{ key: 'no.such.key', value: 'x', source: '--set' }] },
          ),
        ),
      );
      expect(error.message).toBe('unknown setting "no.such.key" from --set');
      expect(error.exitCode).toBe(2);
      // The message is not repeated in the details: each sentence is printed once.
      expect(error.details).toHaveLength(2);
      expect(error.details[0]).toContain('CASA_TIMEOUT_MINUTES');
      expect(error.details[1]).toContain(file);
    });

    it('never prints a secret value in an error message', async () => {
      const secretUrl: SettingSpec = { key: 'envoys.test.url', type: 'url', description: 'x', env: 'U', secret: true };
      const error = await failure(loadSettings([secretUrl], options({ U: 'hunter2-not-a-url' })));
      expect(error.message).toBe('setting envoys.test.url = [REDACTED] from environment variable U is not a URL');
    });
  });

  describe('secrets and the report', () => {
    it('lists present secret values and redacts them in describe()', async () => {
      const file = capo(siteDir, 'envoys.test.token = s3cr3t-token\nenvoys.casa.home = /opt/casa\n');
      const settings = await loadSettings(SPECS, options({}));
      expect(settings.secrets()).toEqual(['s3cr3t-token']);
      expect(settings.describe()).toEqual([
        { key: TIMEOUT.key, value: 60, source: 'default' },
        { key: XVFB.key, value: false, source: 'default' },
        { key: HOME.key, value: '/opt/casa', source: `${file}:2` },
        { key: TOKEN.key, value: '[REDACTED]', source: `${file}:1` },
      ]);
      expect(JSON.stringify(settings.describe())).not.toContain('s3cr3t');
    });

    it('lists the password of a URL setting, as written and decoded, but not the rest of the URL', async () => {
      const url: SettingSpec = { key: 'envoys.test.brokerUrl', type: 'url', env: 'BROKER_URL', description: 'x' };
      expect((await loadSettings([url], options({ BROKER_URL: 'amqp://envoy:p%40ss@broker.example.org:5672/vh' }))).secrets()).toEqual(['p%40ss', 'p@ss']);
      expect((await loadSettings([url], options({ BROKER_URL: 'amqp://envoy:plain@broker.example.org' }))).secrets()).toEqual(['plain']);
      expect((await loadSettings([url], options({ BROKER_URL: 'amqp://broker.example.org' }))).secrets()).toEqual([]);
    });

    it('lists no secret when the secret setting is absent', async () => {
      const settings = await loadSettings(SPECS, options({}));
      expect(settings.secrets()).toEqual([]);
      expect(settings.describe().map((d) => d.key)).not.toContain(TOKEN.key);
    });
  });

  describe('the accessors', () => {
    it('report a required setting nobody set as 65 naming the key and its variable', async () => {
      const settings = await loadSettings(SPECS, options({}));
      expect(() => settings.string(HOME.key)).toThrow(
        'setting envoys.casa.home is required (set it in a CAPO properties file or as CASA_HOME)',
      );
      try {
        settings.string(HOME.key);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidInputError);
      }
    });

    it('treat an undeclared key or a mismatched type as a programming error', async () => {
      const settings = await loadSettings(SPECS, options({}));
      const undeclared = (): unknown => settings.optionalString('envoys.casa.nothing');
      expect(undeclared).toThrow('not declared');
      expect(undeclared).not.toThrow(EnvoyError);
      expect(() => settings.string(TIMEOUT.key)).toThrow('declared as number');
      expect(() => settings.string(TIMEOUT.key)).not.toThrow(EnvoyError);
      expect(() => settings.has('envoys.casa.nothing')).toThrow('not declared');
    });
  });

  describe('specs', () => {
    it('reject a default of the wrong type even when another layer sets the value', async () => {
      const bad: SettingSpec = { key: 'k', type: 'number', description: 'x', env: 'K', default: 'ten' };
      await expect(loadSettings([bad], options({ K: '1' }))).rejects.toThrow(
        'the default of setting k is not a number',
      );
    });

    it('reject a key declared twice', async () => {
      await expect(loadSettings([XVFB, { ...XVFB, key: 'ENVOYS.casa.useXvfb' }], options({}))).rejects.toThrow(
        'declared twice',
      );
    });
  });
});
