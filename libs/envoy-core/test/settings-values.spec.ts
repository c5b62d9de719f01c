import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvoyError } from '../src/errors';
import { durationMs, loadSettings, type SettingSpec, type SettingValue } from '../src/settings';

const homeDir = mkdtempSync(join(tmpdir(), 'envoys-settings-values-'));
afterAll(() => rmSync(homeDir, { recursive: true, force: true }));

/** Loads one setting from the environment variable V; the value, or the error message. */
async function load(
  spec: Omit<SettingSpec, 'key' | 'description' | 'env'>,
  text: string,
): Promise<SettingValue | string | undefined> {
  const full: SettingSpec = { key: 'k', description: 'x', env: 'V', ...spec };
  try {
    const settings = await loadSettings([full], { env: { V: text }, homeDir });
    switch (full.type) {
      case 'number':
      case 'integer':
        return settings.number('k');
      case 'boolean':
        return settings.boolean('k');
      default:
        return settings.string('k');
    }
  } catch (error) {
    if (error instanceof EnvoyError) return `error: ${error.message}`;
    throw error;
  }
}

describe('setting types', () => {
  it.each([
    ['5', 5],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['+2', 2],
    ['-0.25', -0.25],
    ['  7  ', 7],
  ])('number accepts %j', async (text, value) => {
    expect(await load({ type: 'number' }, text)).toBe(value);
  });

  it.each(['abc', '1e3', '0x10', 'Infinity', 'NaN', '1,5', '5 minutes', '1.2.3', '-', '.', '9'.repeat(400)])(
    'number rejects %j',
    async (text) => {
      const result = await load({ type: 'number' }, text);
      expect(result).toMatch(/^error: setting k = ".*" from environment variable V is not/);
    },
  );

  it('number checks min and max inclusively', async () => {
    expect(await load({ type: 'number', min: 0 }, '0')).toBe(0);
    expect(await load({ type: 'number', min: 0 }, '-0.5')).toContain('is less than the minimum 0');
    expect(await load({ type: 'number', max: 10 }, '10')).toBe(10);
    expect(await load({ type: 'number', max: 10 }, '10.5')).toContain('is more than the maximum 10');
  });

  it('integer accepts whole numbers only', async () => {
    expect(await load({ type: 'integer' }, '-12')).toBe(-12);
    expect(await load({ type: 'integer' }, '1.5')).toContain('is not an integer');
    expect(await load({ type: 'integer', min: 1 }, '0')).toContain('less than the minimum 1');
    expect(await load({ type: 'integer' }, '99999999999999999999')).toContain('not an integer in the safe range');
  });

  it.each([
    ['true', true],
    ['YES', true],
    ['On', true],
    ['1', true],
    ['false', false],
    ['no', false],
    ['OFF', false],
    ['0', false],
  ])('boolean accepts %j', async (text, value) => {
    expect(await load({ type: 'boolean' }, text)).toBe(value);
  });

  it.each(['maybe', 'y', '2', 'constructor', '__proto__'])('boolean rejects %j', async (text) => {
    expect(await load({ type: 'boolean' }, text)).toContain('is not a boolean');
  });

  it('path rejects a NUL byte', async () => {
    expect(await load({ type: 'path' }, '/opt/casa')).toBe('/opt/casa');
    expect(await load({ type: 'path' }, '/opt/\0casa')).toContain('is not a path (it contains a NUL byte)');
  });

  it('url must parse and may be restricted to protocols; it is kept as written', async () => {
    const http = { type: 'url' as const, protocols: ['http:', 'https:'] };
    expect(await load(http, 'https://viewer.example.org')).toBe('https://viewer.example.org');
    expect(await load(http, 'ftp://viewer.example.org')).toContain('is not a http or https URL');
    expect(await load(http, 'viewer.example.org')).toContain('is not a URL');
    expect(await load({ type: 'url' }, 'redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('string keeps any text', async () => {
    expect(await load({ type: 'string' }, ' a # b ')).toBe('a # b');
  });
});

describe('durationMs', () => {
  const specs: SettingSpec[] = [
    { key: 'envoys.carta.timeoutMinutes', type: 'number', description: 'x', env: 'MINUTES', min: 0 },
    { key: 'envoys.carta.readyTimeoutSeconds', type: 'number', description: 'x', env: 'SECONDS', default: 60 },
    { key: 'envoys.casa.timeoutMinutes', type: 'number', description: 'x' },
  ];

  it('converts fractional minutes and seconds to whole milliseconds', async () => {
    const settings = await loadSettings(specs, { env: { MINUTES: '1.5', SECONDS: '0.0015' }, homeDir });
    expect(durationMs(settings, 'envoys.carta.timeoutMinutes', 'minutes')).toBe(90_000);
    expect(durationMs(settings, 'envoys.carta.readyTimeoutSeconds', 'seconds')).toBe(2);
  });

  it('uses defaults and gives undefined for an unset duration', async () => {
    const settings = await loadSettings(specs, { env: { MINUTES: '.25' }, homeDir });
    expect(durationMs(settings, 'envoys.carta.timeoutMinutes', 'minutes')).toBe(15_000);
    expect(durationMs(settings, 'envoys.carta.readyTimeoutSeconds', 'seconds')).toBe(60_000);
    expect(durationMs(settings, 'envoys.casa.timeoutMinutes', 'minutes')).toBeUndefined();
  });
});
