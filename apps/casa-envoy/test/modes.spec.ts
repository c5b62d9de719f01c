import { existsSync, readdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readJson, tempDir, treeFingerprint } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport } from './support/casa-envoy';
import { addCalibrationTar, CASA_EMULATOR_HOME, makeProcessingDir, type CasaMode } from './support/processing-dir';

/** The original bytes with only the RootDirectory and RelativePath texts replaced. */
function expectedCorrection(original: string, root: string, relative: string): string {
  return original
    .replace(/(<RootDirectory>)[^<]*(<\/RootDirectory>)/, `$1${root}$2`)
    .replace(/(<RelativePath>)[^<]*(<\/RelativePath>)/, `$1${relative}$2`);
}

// CONTRACT 4: every mode against the CASA emulator, through the built bundle.
describe('casa-envoy modes', () => {
  it.each(['standard-cal', 'restore', 'standard-img', 'integrated'] as CasaMode[])('%s succeeds and is verified', async (mode) => {
    const dir = makeProcessingDir({ mode });
    if (mode === 'restore' || mode === 'integrated') await addCalibrationTar(dir);
    const inputs = treeFingerprint(dir);
    const record = join(tempDir(), 'record.json');
    const finished = await casaEnvoy(dir, MODE_ARGS[mode], { CASA_EMULATOR_RECORD: record, PYTHONPATH: '/leaky/python' });
    expect([finished.code, finished.stderr]).toEqual([0, '']);

    const report = readReport(dir);
    expect(report).toMatchObject({ envoy: 'casa-envoy', mode, status: 'succeeded', exitCode: 0, findings: [] });
    const real = realpathSync(dir);
    expect(report.launch?.argv).toEqual([
      join(CASA_EMULATOR_HOME, 'bin/casa'), '--nogui', '--nologger', '--log2term', '--agg', '-c',
      join(CASA_EMULATOR_HOME, 'pipeline/pipeline/runvlapipeline.py'), 'PPR.xml',
    ]);
    expect(report.launch?.cwd).toBe(join(real, 'working'));
    expect(report.launch?.env).toEqual({ SCIPIPE_ROOTDIR: dirname(real), CASA_HOME: CASA_EMULATOR_HOME, PPR_FILENAME: 'PPR.xml', LANG: 'en_US.UTF-8' });

    // What CASA really got: the environment, without PYTHONPATH.
    const seen = readJson<{ env: Record<string, string>; cwd: string }>(record);
    expect(seen.env['SCIPIPE_ROOTDIR']).toBe(dirname(real));
    expect(seen.env['PPR_FILENAME']).toBe('PPR.xml');
    expect(seen.env['LANG']).toBe('en_US.UTF-8');
    expect(seen.env['PYTHONPATH']).toBeUndefined();

    // The corrected PPR differs from the original only in the two texts; the original is untouched.
    const original = readFileSync(join(dir, 'PPR.xml'), 'utf8');
    expect(readFileSync(join(dir, 'working/PPR.xml'), 'utf8')).toBe(expectedCorrection(original, dirname(real), basename(real)));
    const after = treeFingerprint(dir);
    for (const [path, print] of Object.entries(inputs)) expect([path, after[path]]).toEqual([path, print]);

    expect(readdirSync(join(dir, 'working')).some((name) => /^casa-\d{8}-\d{6}\.log$/.test(name))).toBe(true);
    expect(existsSync(join(dir, 'casa-envoy.' + mode + '.out.log'))).toBe(true);
    if (mode !== 'standard-img') expect(readdirSync(join(dir, 'products')).length).toBeGreaterThan(0);
    if (mode === 'standard-img' || mode === 'integrated') {
      expect(readdirSync(join(dir, 'products')).some((name) => name.endsWith('.fits'))).toBe(true);
    }
    if (mode === 'restore') expect(existsSync(join(dir, 'products/unknown.session_1.caltables/flux.csv'))).toBe(true);
  });

  it('works through a symlinked processing directory: the PPR gets the real path', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal', name: 'tmpreal01_' });
    const link = join(tempDir('casa-link-'), 'tmplink01_');
    symlinkSync(dir, link);
    const finished = await casaEnvoy(link, MODE_ARGS['standard-cal']);
    expect(finished.code).toBe(0);
    const corrected = readFileSync(join(dir, 'working/PPR.xml'), 'utf8');
    expect(corrected).toContain(`<RootDirectory>${dirname(realpathSync(dir))}</RootDirectory>`);
    expect(corrected).toContain('<RelativePath>tmpreal01_</RelativePath>');
  });

  it('--processing-dir points at the directory from elsewhere', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const elsewhere = tempDir('casa-cwd-');
    const finished = await casaEnvoy(elsewhere, ['--processing-dir', dir, ...MODE_ARGS['standard-cal']]);
    expect(finished.code).toBe(0);
    expect(readReport(dir).status).toBe('succeeded');
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});
