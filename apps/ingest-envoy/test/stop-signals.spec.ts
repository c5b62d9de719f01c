import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AT_LAUNCH, AT_VERIFY, atStepStart, stopAt, tempDir, temporariesBelow, type StopPoint } from '@envoys/testing';
import { SDM_ID, calibrationDir, imageDir, observationDir, sparseFile } from './support/fixtures';
import { envoyScript, ingestEnv, readReport, type IngestWorld } from './support/ingest-envoy';

// A grace period far longer than "about a second": a step that made the envoy wait for it would show.
const ENV = { ENVOY_GRACE_SECONDS: '30', INGEST_EMULATOR_SCENARIO: 'slow', INGEST_EMULATOR_SECONDS: '3' };
const SETUP = ['audit-inputs', 'find-ingest', 'check-staging', 'stage-products', 'checksum-staged', 'write-manifest'];

const MODES = {
  calibration: { make: calibrationDir, args: (dir: string) => ['--calibration', dir], big: 'products/big.caltable.dat', slow: ['stage-products', 'launch'] },
  image: { make: imageDir, args: (dir: string) => ['--image', dir], big: 'products/big.fits', slow: ['checksum-staged', 'launch'] },
  observation: { make: observationDir, args: (dir: string) => ['--observation', dir, SDM_ID], big: `rawdata/${SDM_ID}/ASDMBinary/big.bdf`, slow: ['checksum-staged', 'launch'] },
  seci: { make: imageDir, args: (dir: string) => ['--seci', dir, 'VLASS2.1'], big: 'products/big.fits', slow: ['checksum-staged', 'launch'] },
} as const;

// HTCondor evicts with SIGTERM; an operator presses Ctrl-C (SIGINT). Whatever step runs, the envoy stops
// within about a second (plus the time ingest takes to obey), exits 128+N, leaves its report naming where
// it stopped, and leaves no partial file in staging.
describe('ingest-envoy stopped by a signal during each step', () => {
  it.each(Object.keys(MODES) as (keyof typeof MODES)[])('%s', async (mode) => {
    // Slowed down by their inputs (a 256 MiB product to tar, or to hash once linked) and ingest's own run.
    const { make, args, big, slow } = MODES[mode];
    const points: StopPoint[] = [...SETUP.map(atStepStart), AT_LAUNCH, AT_VERIFY];
    for (const [index, point] of points.entries()) {
      const root = tempDir('ingest-stop-');
      const w: IngestWorld = { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
      const dir = make(join(root, 'run'));
      // A big product (with a real image's name, so it is staged) makes staging or hashing take a while.
      if (mode !== 'image' && mode !== 'seci') sparseFile(join(dir, big), 256 * 1024 * 1024);
      else sparseFile(join(dir, 'products', 'oussid.J0000+0000_sci.K_band.cont.I.iter1.image.pbcor.tt0.fits'), 256 * 1024 * 1024);
      const signal = index === 1 ? 'SIGINT' : 'SIGTERM';
      const stopped = await stopAt(envoyScript(), args('run'), { cwd: root, env: ingestEnv(w, ENV) }, point, signal);
      const report = readReport(dir);
      const stoppedIn = report.steps.at(-1)?.name ?? '';
      if (point === AT_VERIFY && stopped.code === 0) {
        // Checking ingest's exit status takes no time: the run may be over before the signal arrives.
        expect(report.status).toBe('succeeded');
        continue;
      }
      const code = signal === 'SIGINT' ? 130 : 143;
      expect([point.step, stopped.code, report.exitCode, report.signal]).toEqual([point.step, code, code, signal]);
      expect([point.step, stopped.stopMs < 5000]).toEqual([point.step, true]);
      if ((slow as readonly string[]).includes(point.step)) expect([point.step, stoppedIn]).toEqual([point.step, point.step]);
      expect([point.step, temporariesBelow(root)]).toEqual([point.step, []]);
      // Staging stopped before its manifest: no manifest, so nothing that looks like a finished staging.
      if (SETUP.includes(stoppedIn) && stoppedIn !== 'write-manifest') {
        const stagingDir = join(w.stagingRoot, 'run');
        const staged = existsSync(stagingDir) ? readdirSync(stagingDir) : [];
        expect([point.step, staged.includes('ingestion-manifest.json')]).toEqual([point.step, false]);
      }
    }
  });
});
