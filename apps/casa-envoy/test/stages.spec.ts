import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { casaEnvoy, MODE_ARGS, readReport } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

// Stages as the pipeline's runners log them: `Executing command ...<name>`, and the stages they skip.
describe('casa-envoy follows the stages the pipeline logs', () => {
  it('SPECTRAL_MODE skips Hanning: skipped in the report, the status file and the batch log; the run succeeds', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const ppr = join(dir, 'PPR.xml');
    writeFileSync(
      ppr,
      readFileSync(ppr, 'utf8').replace('</ProcessingIntents>', '    <Intents>\n                    <Keyword>SPECTRAL_MODE</Keyword>\n                    <Value>true</Value>\n                </Intents>\n            </ProcessingIntents>'),
    );
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect(finished.code).toBe(0);
    const stages = readReport(dir).stages ?? [];
    expect(stages.map((stage) => stage.status)).toEqual(['succeeded', 'skipped', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(finished.stdout + finished.stderr).toMatch(/\[launch\] stage 2\/8: hifv_hanning skipped/);
    const status = JSON.parse(readFileSync(join(dir, 'casa-envoy-status.json'), 'utf8')) as { skippedStages?: unknown };
    expect(status.skippedStages).toEqual([{ index: 2, task: 'hifv_hanning' }]);
  });

  it('a run that stops half way: the stages after it never ran, named in a finding, also by --verify', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'errorexit' });
    expect(finished.code).toBe(70);
    const notReached = readReport(dir).findings.find((finding) => finding.rule === 'casa-stage-not-reached');
    expect(notReached?.text).toMatch(/^stage 6\/8 hifv_finalcals and 2 later stages never ran \(the log ends after stage 5\/8 hifv_priorcals\)$/);
    const verified = await casaEnvoy(dir, ['--verify', dir]);
    expect(verified.code).toBe(70);
    expect(readReport(dir).findings.map((finding) => finding.rule)).toEqual(expect.arrayContaining(['casa-errorexit', 'casa-stage-not-reached']));
  });
});
