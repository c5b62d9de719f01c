import { join } from 'node:path';
import { readJson, tempDir } from '@envoys/testing';
import { calibrationDir, imageDir } from './support/fixtures';
import { ingestEnvoy, type IngestWorld } from './support/ingest-envoy';

interface Status {
  state: string;
  step: string | null;
  staging?: { files: { done: number; total: number }; bytes: { done: number; total: number } };
  launch?: { state: string; exitCode?: number; command: string };
  exitCode?: number;
}

function world(): IngestWorld {
  const root = tempDir('ingest-observe-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
}

// The live status of an ingestion: files and bytes staged of the total, then the ingest command's state.
describe('ingest-envoy-status.json', () => {
  it.each([
    ['--calibration', calibrationDir],
    ['--image', imageDir],
  ] as const)('%s: every file and byte staged of the total, ingest exited 0, the outcome', async (flag, make) => {
    const w = world();
    const dir = make(join(w.root, 'tmpobs01'));
    const finished = await ingestEnvoy(w, [flag, 'tmpobs01']);
    expect(finished.code).toBe(0);
    const status = readJson<Status>(join(dir, 'ingest-envoy-status.json'));
    expect(status).toMatchObject({ state: 'succeeded', exitCode: 0, launch: { state: 'exited', exitCode: 0 } });
    expect(status.launch?.command).toMatch(/\/ingest$/);
    const staging = status.staging;
    expect(staging?.files.total).toBeGreaterThan(0);
    expect(staging?.files.done).toBe(staging?.files.total);
    expect(staging?.bytes.total).toBeGreaterThan(0);
    expect(staging?.bytes.done).toBe(staging?.bytes.total);
  });

  it('a failing ingest: failed, with the command exited non-zero', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'tmpobs02'));
    const finished = await ingestEnvoy(w, ['--calibration', 'tmpobs02'], { INGEST_EMULATOR_SCENARIO: 'fail' });
    expect(finished.code).toBe(70);
    const status = readJson<Status>(join(dir, 'ingest-envoy-status.json'));
    expect(status).toMatchObject({ state: 'failed', exitCode: 70, step: 'verify', launch: { state: 'exited', exitCode: expect.any(Number) } });
    expect(status.launch?.exitCode).not.toBe(0);
  });
});
