import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bundlePath,
  interruptAt,
  middleOfLongest,
  temporariesBelow,
  timeline,
  treeShape,
  within,
  type Moment,
} from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport } from './support/casa-envoy';
import { addCalibrationTar, casaEnv, makeProcessingDir, type CasaMode } from './support/processing-dir';

// CASA takes long enough to be killed in the middle of it, every run alike.
const ENV = { CASA_EMULATOR_SCENARIO: 'slow', CASA_EMULATOR_SECONDS: '1.2', ENVOY_GRACE_SECONDS: '5' };
const SETUP = ['audit-directory', 'audit-inputs', 'audit-rawdata', 'locate-casa', 'restore-foundation', 'prepare-directories', 'correct-ppr', 'baseline'];

/** CASA names its logs and weblogs by the time it started: a killed run's stay beside the rerun's. */
function normalize(name: string): string {
  return name.replace(/^casa-\d{8}-\d{6}\.log$/, 'casa-<time>.log').replace(/^pipeline-\d{8}T\d{6}$/, 'pipeline-<time>');
}

async function processingDir(mode: CasaMode): Promise<string> {
  const dir = makeProcessingDir({ mode });
  if (mode === 'restore' || mode === 'integrated') await addCalibrationTar(dir);
  return dir;
}

/** A clean run: its exit status, the shape of what it leaves, and the moments to kill the others at. */
async function cleanRun(mode: CasaMode): Promise<{ shape: string[]; moments: Moment[] }> {
  const dir = await processingDir(mode);
  const spawnedAt = Date.now();
  const clean = await casaEnvoy(dir, MODE_ARGS[mode], ENV);
  expect([clean.code, clean.stderr]).toEqual([0, '']);
  const steps = timeline(readReport(dir), spawnedAt);
  const moments = [middleOfLongest(steps, SETUP), within(steps, 'launch', 0.3), within(steps, 'launch', 0.8), within(steps, 'verify', 0.5)];
  return { shape: treeShape(dir, normalize), moments: moments.filter((moment): moment is Moment => moment !== undefined) };
}

// A batch system re-runs an evicted job from the start in the same directory: killed with SIGKILL at any
// moment, the rerun converges to what one clean run leaves (same files, a report of its own, no leftovers).
describe('casa-envoy killed at any moment, then run again', () => {
  it.each(['standard-cal', 'restore', 'standard-img', 'integrated'] as const)('%s', async (mode) => {
    const { shape, moments } = await cleanRun(mode);
    expect(moments.length).toBeGreaterThanOrEqual(3);
    for (const moment of moments) {
      const dir = await processingDir(mode);
      // The watchdog shares the envoy's output: `finished` comes once it has stopped the killed run's CASA.
      await interruptAt(bundlePath('casa-envoy'), MODE_ARGS[mode], { cwd: dir, env: casaEnv(ENV) }, moment.atMs);
      const rerun = await casaEnvoy(dir, MODE_ARGS[mode], ENV);
      expect([moment.label, rerun.code, rerun.stderr]).toEqual([moment.label, 0, '']);
      expect([moment.label, readReport(dir).status]).toEqual([moment.label, 'succeeded']);
      expect([moment.label, temporariesBelow(dir)]).toEqual([moment.label, []]);
      expect([moment.label, treeShape(dir, normalize)]).toEqual([moment.label, shape]);
    }
  });

  it('verify', async () => {
    const finishedRun = async (): Promise<string> => {
      const dir = await processingDir('standard-cal');
      expect((await casaEnvoy(dir, MODE_ARGS['standard-cal'])).code).toBe(0);
      // An operator re-checks an old run with a long log: long enough to be killed while it is read.
      const line = '2024-03-05 12:00:00\tINFO\thifv_applycals::::casa\tApplying calibration to field 3C286 spw 2 and on\n';
      writeFileSync(join(dir, 'working', 'casa-20240305-120000.log'), line.repeat(400_000));
      return dir;
    };
    const cleanDir = await finishedRun();
    const spawnedAt = Date.now();
    expect((await casaEnvoy(cleanDir, ['--verify', cleanDir])).code).toBe(0);
    const steps = timeline(readReport(cleanDir), spawnedAt);
    const shape = treeShape(cleanDir, normalize);
    for (const moment of [within(steps, 'verify', 0.2), within(steps, 'verify', 0.7)].filter((m): m is Moment => m !== undefined)) {
      const dir = await finishedRun();
      await interruptAt(bundlePath('casa-envoy'), ['--verify', dir], { cwd: dir, env: casaEnv() }, moment.atMs);
      const rerun = await casaEnvoy(dir, ['--verify', dir]);
      expect([moment.label, rerun.code]).toEqual([moment.label, 0]);
      expect([moment.label, temporariesBelow(dir)]).toEqual([moment.label, []]);
      expect([moment.label, treeShape(dir, normalize)]).toEqual([moment.label, shape]);
    }
  });
});
