import { join } from 'node:path';
import { interruptAt, middleOfLongest, temporariesBelow, tempDir, timeline, treeShape, within, type Moment } from '@envoys/testing';
import { SDM_ID, calibrationDir, imageDir, observationDir } from './support/fixtures';
import { envoyScript, ingestEnv, ingestEnvoy, ledgerEntries, readReport, type IngestWorld } from './support/ingest-envoy';

// ingest takes a second, so that a run can be killed while it runs; every run alike.
const ENV = { INGEST_EMULATOR_SCENARIO: 'slow', INGEST_EMULATOR_SECONDS: '1' };
const SETUP = ['audit-inputs', 'find-ingest', 'check-staging', 'stage-products', 'checksum-staged', 'write-manifest'];

const MODES = {
  calibration: { make: calibrationDir, args: (dir: string) => ['--calibration', dir] },
  image: { make: imageDir, args: (dir: string) => ['--image', dir] },
  observation: { make: observationDir, args: (dir: string) => ['--observation', dir, SDM_ID] },
  seci: { make: imageDir, args: (dir: string) => ['--seci', dir, 'VLASS2.1'] },
} as const;
type Mode = keyof typeof MODES;

function world(): IngestWorld & { dir: string; stagingDir: string } {
  const root = tempDir('ingest-crash-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl'), dir: join(root, 'run'), stagingDir: join(root, 'staging', 'run') };
}

/** Each run stamps its tars with its own start time; everything else must be the same. */
const normalize = (name: string): string => name.replace(/\d{4}_\d\d_\d\dT\d\d_\d\d_\d\d\.\d{3}/, '<timestamp>');

/** What the archive holds for the staging directory after the last ingestion of it. */
function archived(w: IngestWorld): unknown {
  const last = ledgerEntries(w).at(-1) as { files: { type: string; filename: string }[] } | undefined;
  return last?.files.map((file) => `${file.type}:${normalize(file.filename)}`).sort();
}

// A batch system re-runs an evicted job from the start in the same directory: killed with SIGKILL at any
// moment, the rerun converges to what one clean run leaves: the same staging, the products in the archive
// (never a silent second ingestion: a re-ingestion says reingest), a report of its own, no leftovers.
describe('ingest-envoy killed at any moment, then run again', () => {
  it.each(Object.keys(MODES) as Mode[])('%s', async (mode) => {
    const { make, args } = MODES[mode];
    const clean = world();
    make(clean.dir);
    const spawnedAt = Date.now();
    expect((await ingestEnvoy(clean, args('run'), ENV)).code).toBe(0);
    const steps = timeline(readReport(clean.dir), spawnedAt);
    const moments = [middleOfLongest(steps, SETUP), within(steps, 'launch', 0.3), within(steps, 'launch', 0.7)].filter((m): m is Moment => m !== undefined);
    const stagingShape = treeShape(clean.stagingDir, normalize);
    const dirShape = treeShape(clean.dir);

    for (const moment of moments) {
      const w = world();
      make(w.dir);
      const killed = await interruptAt(envoyScript(), args('run'), { cwd: w.root, env: ingestEnv(w, ENV) }, moment.atMs);
      if (killed.signalled) {
        await new Promise((resolve) => setTimeout(resolve, 5)); // a start time, so a timestamp, of its own
        const rerun = await ingestEnvoy(w, args('run'), ENV);
        expect([moment.label, rerun.code]).toEqual([moment.label, 0]);
      } else {
        // Faster than the clean run: it finished before the moment came (a rerun would be a second ingestion).
        expect([moment.label, killed.code]).toEqual([moment.label, 0]);
      }
      expect([moment.label, readReport(w.dir).status]).toEqual([moment.label, 'succeeded']);
      expect([moment.label, temporariesBelow(w.root)]).toEqual([moment.label, []]);
      expect([moment.label, treeShape(w.stagingDir, normalize)]).toEqual([moment.label, stagingShape]);
      expect([moment.label, treeShape(w.dir)]).toEqual([moment.label, dirShape]);
      expect([moment.label, archived(w)]).toEqual([moment.label, archived(clean)]);
      // One ingestion, or a first one followed by a re-ingestion that says so.
      const flags = ledgerEntries(w).map((entry) => entry['reingest']);
      expect([moment.label, flags.length <= 2 && flags.slice(1).every((flag) => flag === true)]).toEqual([moment.label, true]);
    }
  });
});
