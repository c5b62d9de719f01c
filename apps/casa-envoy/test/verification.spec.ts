import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport, reason } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

const STALE_LOG = [
  '2021-05-06 17:35:02\tINFO\tcasa::::casa\tCASA Version 6.1.2.7',
  '2021-05-06 18:02:13\tSEVERE\thifv_finalcals::::casa\tTask hifv_finalcals raised an exception of class RuntimeError',
  '',
].join('\n');

// CONTRACT 4.8: CASA exits 0 after failing; the envoy must find out from logs and markers.
describe('casa-envoy verification', () => {
  it.each([
    ['severe', /casa-severe/, true],
    ['errorexit', /casa-errorexit/, false],
    ['crash', /exit-status/, false],
    ['signal', /exit-status/, false],
    ['nolog', /casa-log-missing/, false],
    ['noproducts', /casa-products-caltables/, false],
  ])('scenario %s: exit 70 with a finding naming the file', async (scenario, rule, hasLine) => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: scenario });
    expect(finished.code).toBe(70);
    expect(reason(finished)).toMatch(/^casa-envoy: verification failed: /);
    const report = readReport(dir);
    expect(report.status).toBe('failed');
    const finding = report.findings.find((item) => rule.test(item.rule));
    expect(finding).toBeDefined();
    expect(finding?.file).toBeTruthy();
    if (hasLine) {
      expect(finding?.line).toEqual(expect.any(Number));
      expect(finding?.file).toMatch(/working\/casa-\d{8}-\d{6}\.log$/);
      expect(finding?.text).toContain('SEVERE');
      expect(reason(finished)).toContain(`${finding?.file}:${finding?.line}`);
    }
  });

  it('a SEVERE shows with its traceback: on stderr right after the reason line, and in the report, one finding per message', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'severe' });
    expect(finished.code).toBe(70);
    const findings = readReport(dir).findings;
    const [severe] = findings;
    expect(severe?.text).toMatch(/\tSEVERE\tapplycal::::casa\tTask applycal raised an exception/);
    // Every line of a message has CASA's full prefix; the lines after the first have the origin followed by +:
    // the traceback is one finding (its first line), its context the whole message and the lines after it.
    expect(findings.filter((finding) => /^[^\t]*\t[^\t]*\t[^\t]*\+\t/.test(finding.text))).toEqual([]);
    const traceback = findings.filter((finding) => finding.text.endsWith('\tTraceback (most recent call last):'));
    expect(traceback).toHaveLength(1);
    const plus = (text: string) => expect.stringMatching(new RegExp(`\tSEVERE\tpipeline::pipeline\\.infrastructure\\.basetask::casa\\+\t${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(traceback[0]?.context?.after.slice(0, 5)).toEqual([
      plus('  File "pipeline/infrastructure/basetask.py", line 692, in execute'),
      plus('    result = self.prepare(**parameters)'),
      plus('  File "pipeline/hifv/tasks/priorcals/priorcals.py", line 211, in prepare'),
      plus('    self._do_applycal(context, ...)'),
      plus('RuntimeError: Error in Calibrater::setapply.'),
    ]);
    expect(severe?.context?.before).toHaveLength(3);
    // stderr: the reason line, then the first finding among its numbered log lines, marked with '>'.
    const lines = finished.stderr.split('\n');
    const at = lines.findIndex((line) => line.startsWith('casa-envoy: verification failed: '));
    expect(lines[at + 4]).toMatch(new RegExp(`^  > ${severe?.line} \\| .*\tSEVERE\t.*raised an exception`));
    expect(lines[at + 5]).toMatch(new RegExp(`^    ${(severe?.line ?? 0) + 1} \\| .*SEVERE\tpipeline::pipeline.infrastructure.basetask::casa\tError executing pipeline task hifv_priorcals\\.`));
  });

  it('a SEVERE the pipeline handled in a run that completed every stage with its products: reported, and decided by envoys.casa.handledSevere', async () => {
    const failing = makeProcessingDir({ mode: 'standard-cal' });
    const failed = await casaEnvoy(failing, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'severe-handled' });
    // The default policy, fail: the run fails with the SEVERE message as its only finding.
    expect(failed.code).toBe(70);
    const report = readReport(failing) as ReturnType<typeof readReport> & { details: Record<string, unknown> };
    expect(report.findings.map((finding) => finding.rule)).toEqual(['casa-severe']);
    expect(report.findings[0]?.context?.after).toEqual(expect.arrayContaining([expect.stringMatching(/htmlrenderer::casa\+\tValueError: cannot plot an empty selection$/)]));
    expect(report.details['handledSevere']).toMatchObject({ policy: 'fail', count: 1 });
    expect(report.notes).toEqual([expect.stringMatching(/^A SEVERE was logged and handled: .*policy envoys\.casa\.handledSevere=fail decided that the run failed/)]);
    expect(report.stages?.every((stage) => stage.status === 'succeeded' || stage.status === 'failed')).toBe(true);

    const reporting = makeProcessingDir({ mode: 'standard-cal' });
    const passed = await casaEnvoy(reporting, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'severe-handled', CASA_HANDLED_SEVERE: 'report' });
    expect(passed.code).toBe(0);
    const reported = readReport(reporting) as ReturnType<typeof readReport> & { details: Record<string, unknown> };
    expect(reported.findings).toEqual([]);
    expect(reported.notes).toEqual([expect.stringMatching(/^A SEVERE was logged and handled: .*policy envoys\.casa\.handledSevere=report decided that it is reported, not a failure/)]);
    expect(reported.details['handledSevere']).toMatchObject({ policy: 'report', count: 1, messages: [expect.objectContaining({ rule: 'casa-severe' })] });
    expect(reported.stages?.map((stage) => stage.status)).toEqual(Array(8).fill('succeeded'));
    expect(passed.stdout + passed.stderr).toMatch(/WARN .*CASA logged 1 SEVERE message in a run that completed every stage with its products \(envoys\.casa\.handledSevere = report/);

    const bad = await casaEnvoy(makeProcessingDir({ mode: 'standard-cal' }), MODE_ARGS['standard-cal'], { CASA_HANDLED_SEVERE: 'ignore' });
    // A policy that is not one of the two is a bad setting, refused before anything runs.
    expect(bad.code).toBe(65);
    expect(reason(bad)).toMatch(/envoys\.casa\.handledSevere.*not one of fail, report/);
  });

  it('a stale SEVERE log and errorexit marker from an earlier run do not fail a good run', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    mkdirSync(join(dir, 'working'));
    writeFileSync(join(dir, 'working/casa-20210506-173502.log'), STALE_LOG);
    writeFileSync(join(dir, 'working/errorexit-20210506T180214.txt'), '');
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect([finished.code, finished.stderr]).toEqual([0, '']);
    expect(readReport(dir).findings).toEqual([]);
  });

  it('a benign SEVERE pattern from the settings is not a failure', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const failing = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'severe-flagmanager' });
    expect(failing.code).toBe(70);
    const again = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(again, MODE_ARGS['standard-cal'], {
      CASA_EMULATOR_SCENARIO: 'severe-flagmanager',
      CASA_BENIGN_SEVERE: 'flagmanager || some other benign message',
    });
    expect([finished.code, finished.stderr]).toEqual([0, '']);
  });

  it('--verify DIR re-checks a finished run: old logs count, products do not', async () => {
    const good = makeProcessingDir({ mode: 'standard-cal' });
    expect((await casaEnvoy(good, MODE_ARGS['standard-cal'])).code).toBe(0);
    const verified = await casaEnvoy(good, ['--verify', good]);
    expect(verified.code).toBe(0);
    // The run's own record is kept; the verification's report goes beside it.
    expect(readReport(good).mode).toBe('standard-cal');
    expect(readJson<{ mode: string }>(join(good, 'casa-envoy-verify-report.json')).mode).toBe('verify');

    const old = makeProcessingDir({ mode: 'standard-cal' });
    mkdirSync(join(old, 'working'));
    writeFileSync(join(old, 'working/casa-20210506-173502.log'), STALE_LOG);
    const checked = await casaEnvoy(old, ['--verify', '.']);
    expect(checked.code).toBe(70);
    expect(reason(checked)).toContain(`${join(old, 'working/casa-20210506-173502.log')}:2`);
    expect(readReport(old).findings).toEqual([
      expect.objectContaining({ file: join(old, 'working/casa-20210506-173502.log'), line: 2, rule: 'casa-severe' }),
    ]);

    const missing = await casaEnvoy(old, ['--verify', join(old, 'nowhere')]);
    expect(missing.code).toBe(66);
  });

  it('--verify on a directory with no log at all fails (CASA never started)', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    mkdirSync(join(dir, 'working'));
    copyFileSync(join(dir, 'PPR.xml'), join(dir, 'working/PPR.xml'));
    const finished = await casaEnvoy(dir, ['--verify', dir]);
    expect(finished.code).toBe(70);
    expect(readReport(dir).findings.map((finding) => finding.rule)).toEqual(['casa-log-missing']);
    expect(readdirSync(join(dir, 'working'))).toEqual(['PPR.xml']);
  });
});
