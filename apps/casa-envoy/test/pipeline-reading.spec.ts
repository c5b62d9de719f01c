import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readJson, tempDir } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport } from './support/casa-envoy';
import { addCalibrationTar, ASDMS, CASA_EMULATOR_HOME, makeProcessingDir } from './support/processing-dir';

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// The CASA emulator reads the corrected PPR as the real pipeline does (castType, verbatim text, the VLA and
// ALMA readers): every run here succeeds only if the pipeline itself would find its directories and data.
describe('processing directories named like Slurm job ids and other values the pipeline converts', () => {
  // [directory name, RelativePath written]: names the pipeline's castType would turn into a number, a
  // boolean or a list are written as ./<name>, which stays a string and joins to the same directory.
  const NAMES: Array<[string, string]> = [
    ['4711', './4711'],
    ['true', './true'],
    ['1e3', './1e3'],
    ['nan', './nan'],
    ['1_000', './1_000'],
    ['[1]', './[1]'],
    [' 12 ', './ 12 '],
    ['\u0664\u0667', './\u0664\u0667'],
    [' spaced both ends ', ' spaced both ends '],
    ['tmpk2x9q7r_', 'tmpk2x9q7r_'],
  ];

  it.each(NAMES)('<tmp>/scratch/%j runs to a verified success with RelativePath %j', async (name, written) => {
    const dir = makeProcessingDir({ mode: 'standard-cal', name: join('scratch', name) });
    const plan = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--dry-run']);
    expect([plan.code, plan.stderr]).toEqual([0, '']);
    expect(plan.stdout).toContain(`DataSet/RelativePath ${JSON.stringify(written)}`);

    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    const real = realpathSync(dir);
    const corrected = readFileSync(join(dir, 'working/PPR.xml'), 'utf8');
    expect(corrected).toContain(`<RelativePath>${xmlText(written)}</RelativePath>`);
    expect(corrected).toContain(`<RootDirectory>${xmlText(dirname(real))}</RootDirectory>`);
    const report = readReport(dir);
    expect(report.status).toBe('succeeded');
    expect(report.steps.find((step) => step.name === 'correct-ppr')?.detail).toContain(`DataSet/RelativePath ${JSON.stringify(written)}`);
    expect((report as unknown as { details: Record<string, unknown> }).details?.['pprCorrection']).toMatchObject({ relativePath: written, rootDirectory: dirname(real) });
    expect(readFileSync(join(dir, 'products/unknown.session_1.caltables.tgz')).length).toBeGreaterThan(0);
    expect(basename(real)).toBe(name);
  });
});

describe('ALMA end to end: runpipeline.py, the SchedBlockIdentifier RelativePath, every ASDM', () => {
  it.each(['standard-cal', 'restore'] as const)('%s of two ASDMs in a Slurm-like scratch directory succeeds and is verified', async (mode) => {
    const dir = makeProcessingDir({ mode, telescope: 'alma', name: join('scratch', '90210') });
    if (mode === 'restore') await addCalibrationTar(dir);
    const record = join(tempDir(), 'record.json');
    const finished = await casaEnvoy(dir, MODE_ARGS[mode], { CASA_EMULATOR_RECORD: record });
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    const report = readReport(dir);
    expect(report).toMatchObject({ mode, status: 'succeeded', findings: [] });
    expect(report.launch?.argv).toContain(join(CASA_EMULATOR_HOME, 'pipeline/pipeline/runpipeline.py'));
    const real = realpathSync(dir);
    expect(readJson<{ env: Record<string, string> }>(record).env['SCIPIPE_ROOTDIR']).toBe(dirname(real));
    const corrected = readFileSync(join(dir, 'working/PPR.xml'), 'utf8');
    expect(corrected).toMatch(/<SchedBlockIdentifier>\s*<RelativePath>\.\/90210<\/RelativePath>/);
    // Byte for byte the original but for the two texts.
    const original = readFileSync(join(dir, 'PPR.xml'), 'utf8');
    expect(corrected).toBe(
      original.replace(/(<RootDirectory>)[^<]*(<\/RootDirectory>)/, `$1${dirname(real)}$2`).replace(/(<RelativePath>)[^<]*(<\/RelativePath>)/, '$1./90210$2'),
    );
    for (const asdm of ASDMS) {
      // A restore leaves the restored MeasurementSet in working/ (hifv_restoredata writes nothing new to products/).
      if (mode === 'restore') expect(readFileSync(join(dir, 'working', `${asdm}.ms`, 'table.dat')).length).toBeGreaterThan(0);
      else expect(readFileSync(join(dir, 'products', `${asdm}.ms.calapply.txt`)).length).toBeGreaterThan(0);
    }
  });

  it('a missing ASDM is exit 66 naming it, before CASA starts', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal', telescope: 'alma', rawdata: false });
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect(finished.code).toBe(66);
    expect(finished.stderr.split('\n')[0]).toMatch(new RegExp(`^casa-envoy: .*rawdata/${ASDMS[0]}`));
    expect(readReport(dir).launch).toBeUndefined();
  });
});
