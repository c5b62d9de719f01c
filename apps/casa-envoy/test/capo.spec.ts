import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, reason } from './support/casa-envoy';
import { CASA_EMULATOR_HOME, makeProcessingDir } from './support/processing-dir';

interface SettingsReport {
  settings: { key: string; value: unknown; source: string }[];
}

/** A CAPO directory holding `<profile>.properties` with `text`, as a site keeps it. */
function site(text: string, profile = 'dsoc-prod'): { dir: string; file: string } {
  const dir = tempDir('casa-capo-');
  const file = join(dir, `${profile}.properties`);
  writeFileSync(file, text);
  return { dir, file };
}

// CAPO as the observatory's clients read it (Java .properties), through the built bundle.
describe('casa-envoy reads CAPO as the observatory does', () => {
  it('Java syntax: `key: value`, `key value`, continuations, escapes; `; note` stays in the value; the profile and files are logged at INFO', async () => {
    const { dir: capo, file } = site(
      [
        '! a site file shared by every CAPO client',
        `envoys.casa.home: ${CASA_EMULATOR_HOME}`,
        'envoys.casa.timeoutMinutes 90',
        'envoys.casa.benignSevere = flagmanager.*Unable \\',
        '    to restore || ignore\\u0020me ; both patterns',
      ].join('\n'),
    );
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run', '--report', join(dir, 'plan.json')], {
      CASA_HOME: undefined,
      CAPO_PROFILE: 'dsoc-prod',
      CAPO_PATH: capo,
    });
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    expect(finished.stdout).toMatch(new RegExp(`INFO .*CAPO profile dsoc-prod: read ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const { settings } = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as SettingsReport;
    const byKey = Object.fromEntries(settings.map((setting) => [setting.key, [setting.value, setting.source]]));
    expect(byKey['envoys.casa.home']).toEqual([CASA_EMULATOR_HOME, `${file}:2`]);
    expect(byKey['envoys.casa.timeoutMinutes']).toEqual([90, `${file}:3`]);
    expect(byKey['envoys.casa.benignSevere']).toEqual(['flagmanager.*Unable to restore || ignore me ; both patterns', `${file}:4`]);
  });

  it('a misspelled envoys.casa key is refused with 65 naming file, line and the key it nearly is; CASA never runs', async () => {
    const { dir: capo, file } = site(`envoys.casa.home = ${CASA_EMULATOR_HOME}\n\nenvoys.casa.timeoutMinute = 4320\nenvoys.carta.host = other-envoys-business\n`);
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CAPO_PROFILE: 'dsoc-prod', CAPO_PATH: capo });
    expect([finished.code, reason(finished)]).toEqual([65, `casa-envoy: unknown setting "envoys.casa.timeoutMinute" in ${file}:3 (did you mean envoys.casa.timeoutMinutes?)`]);
    expect(existsSync(join(dir, 'working'))).toBe(false);
  });

  it('a CAPO_PROFILE with no file anywhere is 65 naming every place looked in (also in a dry run)', async () => {
    const { dir: capo } = site('envoys.casa.timeoutMinutes = 5\n', 'dsoc-prod');
    const home = tempDir('casa-user-');
    mkdirSync(join(home, '.capo'));
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run'], { CAPO_PROFILE: 'dsoc-prd', CAPO_PATH: capo, HOME: home });
    expect(finished.code).toBe(65);
    expect(reason(finished)).toBe(`casa-envoy: CAPO_PROFILE "dsoc-prd" names no properties file: looked for ${join(capo, 'dsoc-prd.properties')}, ${join(home, '.capo', 'dsoc-prd.properties')}`);
  });

  it('without CAPO_PATH (or with an empty one, as a submit file may forward it) the default path is looked in', async () => {
    const home = tempDir('casa-user-');
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run'], { CAPO_PROFILE: 'nowhere-profile', CAPO_PATH: '', HOME: home });
    expect(reason(finished)).toBe(
      `casa-envoy: CAPO_PROFILE "nowhere-profile" names no properties file: looked for /home/casa/capo/nowhere-profile.properties, /home/ssa/capo/nowhere-profile.properties, ${join(home, '.capo', 'nowhere-profile.properties')}`,
    );
  });
});
