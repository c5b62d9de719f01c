import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeOnEachNode, expectRunContracts, startHttpReceiver } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

// What the built casa-envoy writes and sends, held against the schemas envoy-core publishes
// (libs/envoy-core/schemas, docs/CONTRACTS.md): the report, the last status and every event of a run, on
// Node 20 (the oldest supported) and on the LTS the release executables embed.
async function runWithEvents(dir: string, args: readonly string[], env: Record<string, string> = {}) {
  const receiver = await startHttpReceiver();
  try {
    const finished = await casaEnvoy(dir, args, { ENVOY_EVENTS_URL: receiver.url, ...env });
    return { code: finished.code, events: receiver.json() };
  } finally {
    await receiver.close();
  }
}

describeOnEachNode('casa-envoy keeps the published contracts', () => {
  it('a calibration that succeeds, with a stage the pipeline skips: report, status and every event', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const ppr = join(dir, 'PPR.xml');
    writeFileSync(ppr, readFileSync(ppr, 'utf8').replace('</ProcessingIntents>', '<Intents><Keyword>SPECTRAL_MODE</Keyword><Value>true</Value></Intents></ProcessingIntents>'));
    const { code, events } = await runWithEvents(dir, MODE_ARGS['standard-cal']);
    expect(code).toBe(0);
    expectRunContracts(dir, 'casa-envoy', events, 0);
    expect(new Set(events.map((event) => event['event']))).toEqual(new Set(['started', 'step-finished', 'launched', 'stage-started', 'stage-skipped', 'finished']));
  });

  it('a calibration whose CASA logs a SEVERE it handled (policy report): severe-handled among the events', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const { code, events } = await runWithEvents(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'severe-handled', CASA_HANDLED_SEVERE: 'report' });
    expect(code).toBe(0);
    expectRunContracts(dir, 'casa-envoy', events, 0);
    expect(events.map((event) => event['event'])).toContain('severe-handled');
  });

  it('a calibration that fails with a SEVERE: findings with their context in the report, exit 70', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const { code, events } = await runWithEvents(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'severe' });
    expect(code).toBe(70);
    expectRunContracts(dir, 'casa-envoy', events, 70);
  });

  it('a run refused at its audit (no metadata.json): exit 66, the same contracts', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const { code, events } = await runWithEvents(dir, ['-c', 'missing.json', 'PPR.xml']);
    expect(code).toBe(66);
    expectRunContracts(dir, 'casa-envoy', events, 66);
  });

  it('--verify of a finished run writes its own report and status, which keep the contracts', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    expect((await casaEnvoy(dir, MODE_ARGS['standard-cal'])).code).toBe(0);
    const { code, events } = await runWithEvents(dir, ['--verify', dir]);
    expect(code).toBe(0);
    expectRunContracts(dir, 'casa-envoy', events, 0, { report: 'casa-envoy-verify-report.json', status: 'casa-envoy-verify-status.json' });
  });
});
