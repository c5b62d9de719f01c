import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { alive, tempDir, waitFor } from '@envoys/testing';
import { calibrationDir } from './support/fixtures';
import { ingestEnvoy, readReport, reason, startIngestEnvoy, type IngestWorld } from './support/ingest-envoy';

function world(): IngestWorld {
  const root = tempDir('ingest-launch-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
}

describe('launching ingest (CONTRACT 3.5, 5.4)', () => {
  it('an ingest that runs past envoys.ingest.timeoutMinutes is stopped: exit 124, staging kept', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const finished = await ingestEnvoy(w, ['--calibration', dir], { INGEST_EMULATOR_SCENARIO: 'hang', ENVOY_INGEST_TIMEOUT_MINUTES: '0.01' });
    expect([finished.code, reason(finished)]).toEqual([124, expect.stringMatching(/ran past its time limit/)]);
    expect(readdirSync(join(w.stagingRoot, 'run'))).toContain('ingestion-manifest.json');
  });

  it('SIGTERM while ingest runs stops its whole process group first, then exits 143', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const envoy = startIngestEnvoy(w, ['--calibration', dir], { INGEST_EMULATOR_SCENARIO: 'hang' });
    await waitFor(() => envoy.output().includes('started pid='), 20000, 'ingest to start');
    const pid = Number(/started pid=(\d+)/.exec(envoy.output())?.[1]);
    expect(alive(pid)).toBe(true);
    envoy.process.kill('SIGTERM');
    const finished = await envoy.finished;
    expect(finished.code).toBe(143);
    expect(alive(pid)).toBe(false);
    expect(readReport(dir)).toMatchObject({ exitCode: 143, signal: 'SIGTERM', launch: { signal: 'SIGTERM' } });
  });

  it('SIGKILL of the envoy while ingest runs: its watchdog stops ingest', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const envoy = startIngestEnvoy(w, ['--calibration', dir], { INGEST_EMULATOR_SCENARIO: 'hang', ENVOY_GRACE_SECONDS: '10' });
    await waitFor(() => envoy.output().includes('started pid='), 20000, 'ingest to start');
    const pid = Number(/started pid=(\d+)/.exec(envoy.output())?.[1]);
    expect(alive(pid)).toBe(true);
    envoy.process.kill('SIGKILL');
    await waitFor(() => !alive(pid), 15000, 'ingest to be stopped by the watchdog');
    expect((await envoy.finished).stdout).toMatch(/\[watchdog\] ingest-envoy \(pid \d+\) died while ingest \(process group \d+\) was running: stopping the group with SIGTERM/);
  });
});
