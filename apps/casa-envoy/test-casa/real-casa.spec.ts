import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { pythonVenv, tempDir } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport } from '../test/support/casa-envoy';
import { makeProcessingDir, SDM } from '../test/support/processing-dir';

// casa-envoy against REAL modular CASA (casatools, casatasks, casashell 6.7.0.31 from PyPI). The runner CASA
// executes is a small stand-in for the pipeline's (test-casa/pipeline/mini_pipeline.py) that logs as the
// pipeline's runners do and does real work with casatools.simulator and casatasks, so every SEVERE line,
// `+` continuation line and task banner in these logs is CASA's own.
const VENV = pythonVenv('casa');
const PIPELINE = join(__dirname, 'pipeline');
const FIXTURES = join(__dirname, 'fixtures');
// ENVOYS_UPDATE_CASA_FIXTURES=1 keeps the logs of these runs as the fixtures the emulator is held against.
const UPDATE = process.env['ENVOYS_UPDATE_CASA_FIXTURES'] === '1';

/**
 * A CASA home: bin/casa runs `python -m casashell` with the envoy's arguments, offline (a site configuration
 * points measurespath and datapath at casadata's data and turns the automatic updates off; without it the
 * import tries the network); the runners in pipeline/pipeline/.
 */
function casaHome(): string {
  const home = tempDir('real-casa-home-');
  const data = join(VENV, 'lib', readdirSync(join(VENV, 'lib')).find((name) => name.startsWith('python3')) ?? 'python3', 'site-packages', 'casadata', '__data__');
  mkdirSync(join(home, 'bin'));
  mkdirSync(join(home, 'pipeline', 'pipeline'), { recursive: true });
  mkdirSync(join(home, 'rc'));
  writeFileSync(
    join(home, 'site.py'),
    [`measurespath = ${JSON.stringify(data)}`, `datapath = [${JSON.stringify(data)}]`, 'measures_auto_update = False', 'data_auto_update = False', ''].join('\n'),
  );
  writeFileSync(
    join(home, 'bin', 'casa'),
    [
      '#!/bin/sh',
      '# Modular CASA as a CASA home: casashell with the arguments the envoy passes, offline.',
      `export CASASITECONFIG=${JSON.stringify(join(home, 'site.py'))}`,
      `export HOME=${JSON.stringify(join(home, 'rc'))}`,
      `exec ${JSON.stringify(join(VENV, 'bin', 'python'))} -m casashell "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(home, 'bin', 'casa'), 0o755);
  for (const name of ['mini_pipeline.py', 'runvlapipeline.py', 'runpipeline.py']) copyFileSync(join(PIPELINE, name), join(home, 'pipeline', 'pipeline', name));
  return home;
}

const home = casaHome();

function withSpectralMode(dir: string): void {
  const ppr = join(dir, 'PPR.xml');
  const text = readFileSync(ppr, 'utf8').replace('</ProcessingIntents>', '    <Intents>\n                    <Keyword>SPECTRAL_MODE</Keyword>\n                    <Value>true</Value>\n                </Intents>\n            </ProcessingIntents>');
  writeFileSync(ppr, text);
}

interface RealRunOptions {
  readonly mode?: 'standard-cal' | 'restore';
  /** The fixture the run's log is kept as (default: the scenario's name; null: not kept). */
  readonly fixture?: string | null;
  /** Lays down what the workflow would deliver besides the PPR and the metadata (a calibration tar). */
  readonly prepare?: (dir: string) => Promise<void>;
}

async function realRun(scenario: string, env: Record<string, string> = {}, options: RealRunOptions = {}) {
  const mode = options.mode ?? 'standard-cal';
  const dir = makeProcessingDir({ mode });
  withSpectralMode(dir);
  await options.prepare?.(dir);
  const finished = await casaEnvoy(dir, MODE_ARGS[mode], { CASA_HOME: home, MINI_PIPELINE_SCENARIO: scenario, ...env });
  const working = join(dir, 'working');
  const log = readdirSync(working).find((name) => /^casa-\d{8}-\d{6}\.log$/.test(name));
  if (UPDATE && log && options.fixture !== null) {
    const target = join(FIXTURES, options.fixture ?? scenario);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(join(target, 'working'), { recursive: true });
    copyFileSync(join(working, log), join(target, 'working', log));
    copyFileSync(join(working, 'PPR.xml'), join(target, 'working', 'PPR.xml'));
    for (const name of readdirSync(working).filter((n) => /^errorexit-.*\.txt$/.test(n))) copyFileSync(join(working, name), join(target, 'working', name));
  }
  return { dir, finished, report: readReport(dir) as ReturnType<typeof readReport> & { details: Record<string, unknown> } };
}

// On a machine whose clock is over a year past casadata's leap-second table, CASA logs a three-line SEVERE
// `Leap second table TAI_UTC seems out-of-date.` in every run: real, and benign at a site that knows it. The
// pattern matches text that is only on the message's `+` lines.
const LEAP = { CASA_BENIGN_SEVERE: 'Leap second table TAI_UTC seems out-of-date[^\\n]*(\\n[^\\n]*)*could be wrong by 1s' };

describe('casa-envoy with real CASA', () => {
  it('a successful calibration: exit 0, every stage (Hanning skipped in SPECTRAL_MODE), the products', async () => {
    const { dir, finished, report } = await realRun('success', LEAP);
    expect([finished.code, report.findings]).toEqual([0, []]);
    expect(report.stages?.map((stage) => [stage.task, stage.status])).toEqual([
      ['hifv_importdata', 'succeeded'],
      ['hifv_hanning', 'skipped'],
      ['hifv_flagdata', 'succeeded'],
      ['hifv_vlasetjy', 'succeeded'],
      ['hifv_priorcals', 'succeeded'],
      ['hifv_finalcals', 'succeeded'],
      ['hifv_applycals', 'succeeded'],
      ['hifv_exportdata', 'succeeded'],
    ]);
    expect(finished.stdout + finished.stderr).toMatch(/stage 2\/8: hifv_hanning skipped/);
    expect(readdirSync(join(dir, 'products')).sort()).toEqual([`${SDM}.ms.flagversions.tgz`, 'unknown.session_1.caltables.tgz', 'weblog.tgz']);
  });

  it('a real task failure: its real SEVERE lines, the traceback ONE finding whose context is the whole message, exit 70', async () => {
    const { finished, report } = await realRun('task-failure', LEAP);
    expect(finished.code).toBe(70);
    expect(report.findings.some((f) => /\tSEVERE\tapplycal::::casa\tTask applycal raised an exception of class RuntimeError/.test(f.text))).toBe(true);
    const tracebacks = report.findings.filter((f) => f.text.endsWith('\tTraceback (most recent call last):'));
    expect(tracebacks).toHaveLength(1);
    const after = tracebacks[0]?.context?.after ?? [];
    const message = after.filter((line) => /\tSEVERE\tpipeline::pipeline\.infrastructure\.basetask::casa\+\t/.test(line));
    expect(message.length).toBeGreaterThan(5);
    expect(message.at(-1)).toMatch(/\+\tRuntimeError: Table \S+ does not exist\.$/);
    expect(report.findings.filter((f) => /^[^\t]*\t[^\t]*\t[^\t]*\+\t/.test(f.text))).toEqual([]);
    expect(report.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['casa-errorexit', 'casa-products-caltables']));
    expect(report.stages?.find((stage) => stage.task === 'hifv_applycals')?.status).toBe('failed');
  });

  it('a runner that raises: CASA exits 1, exit 70', async () => {
    const { report, finished } = await realRun('raise', LEAP);
    expect(finished.code).toBe(70);
    expect(report.launch?.exitCode).toBe(1);
    expect(report.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['exit-status', 'casa-stage-not-reached']));
  });

  it('an errorexit marker (the quiet failure, CASA exits 0): exit 70', async () => {
    const { report, finished } = await realRun('marker', LEAP);
    expect([finished.code, report.launch?.exitCode]).toEqual([70, 0]);
    expect(report.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['casa-errorexit', 'casa-stage-not-reached']));
  });

  it('a SEVERE the pipeline handled, every stage and product complete: fails by default, succeeds with handledSevere=report', async () => {
    const failing = await realRun('handled-severe', LEAP);
    expect(failing.finished.code).toBe(70);
    expect(failing.report.findings.map((f) => f.rule)).toEqual(Array(failing.report.findings.length).fill('casa-severe'));
    expect(failing.report.details['handledSevere']).toMatchObject({ policy: 'fail' });
    const reporting = await realRun('handled-severe', { ...LEAP, CASA_HANDLED_SEVERE: 'report' });
    expect([reporting.finished.code, reporting.report.findings]).toEqual([0, []]);
    expect(reporting.report.details['handledSevere']).toMatchObject({ policy: 'report' });
  });

  it('a restore: the calibration tables of a real calibration applied to a new MS in working/, products/ as the tar left it, exit 0', async () => {
    // The calibration tar the archive delivers for restore_cms: what a calibration exported, from a real run.
    const calibration = await realRun('success', LEAP, { fixture: null });
    expect(calibration.finished.code).toBe(0);
    const archive = join(tempDir('real-casa-caltar-'), 'products');
    mkdirSync(archive);
    copyFileSync(join(calibration.dir, 'products', 'unknown.session_1.caltables.tgz'), join(archive, 'unknown.session_1.caltables.tgz'));
    const caltables = readFileSync(join(archive, 'unknown.session_1.caltables.tgz'));
    const { dir, finished, report } = await realRun('success', LEAP, {
      mode: 'restore',
      fixture: 'restore',
      prepare: async (target) => {
        const tar = await import('tar');
        await tar.create({ file: join(target, 'rawdata', `${SDM}.caltables.tar`), cwd: archive }, ['unknown.session_1.caltables.tgz']);
      },
    });
    expect([finished.code, report.findings]).toEqual([0, []]);
    expect(report.stages?.map((stage) => [stage.task, stage.status])).toEqual([
      ['hifv_restoredata', 'succeeded'],
      ['hifv_statwt', 'succeeded'],
    ]);
    // The restored MS in working/, made with casatools, the archived gain table extracted beside it and
    // applied by CASA's applycal (its banner in the real log).
    const working = join(dir, 'working');
    const ms = join(working, `${SDM}.ms`);
    expect(existsSync(join(ms, 'table.dat'))).toBe(true);
    expect(readdirSync(ms)).toEqual(expect.arrayContaining(['ANTENNA', 'FIELD', 'SPECTRAL_WINDOW']));
    const log = readdirSync(working).find((name) => /^casa-\d{8}-\d{6}\.log$/.test(name)) ?? '';
    expect(readFileSync(join(working, log), 'utf8')).toMatch(/##### Begin Task: applycal +#####/);
    expect(readdirSync(working)).toEqual(expect.arrayContaining([`${SDM}.ms.hifv_priorcals.s5_1.gc.tbl`]));
    // products/ holds what the envoy extracted from the tar, byte for byte, and nothing else.
    expect(readdirSync(join(dir, 'products'))).toEqual(['unknown.session_1.caltables.tgz']);
    expect(readFileSync(join(dir, 'products', 'unknown.session_1.caltables.tgz')).equals(caltables)).toBe(true);
  });
});

// `--verify DIR` on the real logs kept as fixtures gives the verdicts of the runs that wrote them.
describe('casa-envoy --verify on the real logs', () => {
  it.each([
    ['success', 0],
    ['task-failure', 70],
    ['raise', 70],
    ['marker', 70],
    ['handled-severe', 70],
    ['restore', 0],
  ])('%s: exit %d', async (scenario, code) => {
    const source = join(FIXTURES, scenario);
    if (!existsSync(source)) throw new Error(`no fixture ${source}: run with ENVOYS_UPDATE_CASA_FIXTURES=1`);
    const dir = join(tempDir('real-casa-verify-'), scenario);
    cpSync(source, dir, { recursive: true });
    const finished = await casaEnvoy(dir, ['--verify', dir], LEAP);
    expect(finished.code).toBe(code);
  });
});

