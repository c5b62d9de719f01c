import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpReceiver } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

// Stages as the pipeline's runners log them: `Executing command ...<name>`, and the stages they skip.
const COMMANDS = ['hifv_importdata', 'hifv_hanning', 'hifv_flagdata', 'hifv_vlasetjy', 'hifv_priorcals', 'hifv_finalcals', 'hifv_applycals', 'hifv_exportdata'];

/** A calibration whose ProcessingIntents set SPECTRAL_MODE: the runner skips hifv_hanning. */
function spectralModeDir(): string {
  const dir = makeProcessingDir({ mode: 'standard-cal' });
  const ppr = join(dir, 'PPR.xml');
  writeFileSync(
    ppr,
    readFileSync(ppr, 'utf8').replace('</ProcessingIntents>', '    <Intents>\n                    <Keyword>SPECTRAL_MODE</Keyword>\n                    <Value>true</Value>\n                </Intents>\n            </ProcessingIntents>'),
  );
  return dir;
}

describe('casa-envoy follows the stages the pipeline logs', () => {
  it('SPECTRAL_MODE skips Hanning: skipped in the report, the status file and the batch log; the run succeeds', async () => {
    const dir = spectralModeDir();
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect(finished.code).toBe(0);
    const stages = readReport(dir).stages ?? [];
    expect(stages.map((stage) => stage.status)).toEqual(['succeeded', 'skipped', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(finished.stdout + finished.stderr).toMatch(/\[launch\] stage 2\/8: hifv_hanning skipped/);
    const status = JSON.parse(readFileSync(join(dir, 'casa-envoy-status.json'), 'utf8')) as { skippedStages?: unknown };
    expect(status.skippedStages).toEqual([{ index: 2, task: 'hifv_hanning' }]);
  });

  it('SPECTRAL_MODE skips Hanning: the events say stage-skipped for stage 2, right after it started and before stage 3', async () => {
    const dir = spectralModeDir();
    const receiver = await startHttpReceiver();
    try {
      const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { ENVOY_EVENTS_URL: receiver.url });
      expect(finished.code).toBe(0);
      const events = receiver.json<{ event: string; seq: number; stage?: { index: number; count: number; task: string } }>();
      expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
      const stageEvents = events.filter((event) => event.event.startsWith('stage-')).map((event) => [event.event, event.stage?.index, event.stage?.task]);
      expect(stageEvents).toEqual([
        ['stage-started', 1, COMMANDS[0]],
        ['stage-started', 2, COMMANDS[1]],
        ['stage-skipped', 2, COMMANDS[1]],
        ...COMMANDS.slice(2).map((task, i) => ['stage-started', i + 3, task]),
      ]);
      expect(events.find((event) => event.event === 'stage-skipped')?.stage).toEqual({ index: 2, count: 8, task: 'hifv_hanning' });
      // Among the lifecycle: after the launch, before the end of the launch step and the verdict.
      const at = (name: string, step?: string) => events.findIndex((event) => event.event === name && (step === undefined || (event as { step?: string }).step === step));
      expect(at('launched')).toBeLessThan(at('stage-skipped'));
      expect(at('stage-skipped')).toBeLessThan(at('step-finished', 'launch'));
      expect(events.at(-1)).toMatchObject({ event: 'finished', exitCode: 0 });
    } finally {
      await receiver.close();
    }
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
