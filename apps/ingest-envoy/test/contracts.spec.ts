import { join } from 'node:path';
import { describeOnEachNode, expectRunContracts, startHttpReceiver, tempDir } from '@envoys/testing';
import { calibrationDir, imageDir } from './support/fixtures';
import { ingestEnvoy, type IngestWorld } from './support/ingest-envoy';

function world(): IngestWorld {
  const root = tempDir('ingest-contracts-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
}

// What the built ingest-envoy writes and sends, held against the schemas envoy-core publishes
// (libs/envoy-core/schemas, docs/CONTRACTS.md): the report, the last status and every event of a run, on
// Node 20 (the oldest supported) and on the LTS the release executables embed.
describeOnEachNode('ingest-envoy keeps the published contracts', () => {
  it.each([
    ['--calibration that succeeds', '--calibration', calibrationDir, {}, 0],
    ['--image that succeeds', '--image', imageDir, {}, 0],
    ['--calibration whose ingest fails', '--calibration', calibrationDir, { INGEST_EMULATOR_SCENARIO: 'fail' }, 70],
  ] as const)('%s: report, status and every event', async (_, flag, make, env, exitCode) => {
    const w = world();
    const dir = make(join(w.root, 'tmpcontract'));
    const receiver = await startHttpReceiver();
    try {
      const finished = await ingestEnvoy(w, [flag, 'tmpcontract'], { ENVOY_EVENTS_URL: receiver.url, ...env });
      expect(finished.code).toBe(exitCode);
      expectRunContracts(dir, 'ingest-envoy', receiver.json(), exitCode);
    } finally {
      await receiver.close();
    }
  });
});
