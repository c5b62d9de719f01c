import { linkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AT_LAUNCH, AT_VERIFY, atStepStart, bundlePath, stopAt, tempDir, temporariesBelow, type StopPoint } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport } from './support/casa-envoy';
import { casaEnv, makeProcessingDir, SDM, type CasaMode } from './support/processing-dir';

// A grace period far longer than "about a second": a step that made the envoy wait for it would show.
const ENV = { ENVOY_GRACE_SECONDS: '30', CASA_EMULATOR_SCENARIO: 'slow', CASA_EMULATOR_SECONDS: '3' };
const SETUP: Record<CasaMode, string[]> = {
  'standard-cal': ['audit-directory', 'audit-inputs', 'audit-rawdata', 'locate-casa', 'prepare-directories', 'correct-ppr', 'baseline'],
  restore: ['audit-directory', 'audit-inputs', 'audit-rawdata', 'locate-casa', 'restore-foundation', 'prepare-directories', 'correct-ppr', 'baseline'],
  'standard-img': ['audit-directory', 'audit-inputs', 'audit-rawdata', 'locate-casa', 'prepare-directories', 'correct-ppr', 'baseline'],
  integrated: ['audit-directory', 'audit-inputs', 'audit-rawdata', 'locate-casa', 'restore-foundation', 'prepare-directories', 'correct-ppr', 'baseline'],
};
// Steps slowed down by their inputs, so the signal lands inside them: a 256 MiB calibration tar, CASA's run.
const SLOW = new Set(['restore-foundation', 'launch']);

let bigTar: string | undefined;

/** A plain (uncompressed) calibration tar of 256 MiB, made once and hard-linked into each rawdata/. */
async function calibrationTar(): Promise<string> {
  if (bigTar) return bigTar;
  const tar = await import('tar');
  const source = tempDir('big-caltables-');
  mkdirSync(join(source, 'unknown.session_1.caltables', 'finalcals.tbl'), { recursive: true });
  for (let i = 0; i < 4; i++) writeFileSync(join(source, 'unknown.session_1.caltables', 'finalcals.tbl', `table.f${i}`), Buffer.alloc(64 * 1024 * 1024, i + 1));
  bigTar = join(tempDir('big-tar-'), `${SDM}.caltables.tar`);
  await tar.create({ file: bigTar, cwd: source }, ['unknown.session_1.caltables']);
  return bigTar;
}

async function processingDir(mode: CasaMode): Promise<string> {
  const dir = makeProcessingDir({ mode });
  if (mode === 'restore' || mode === 'integrated') linkSync(await calibrationTar(), join(dir, 'rawdata', `${SDM}.caltables.tar`));
  return dir;
}

// HTCondor evicts with SIGTERM; an operator presses Ctrl-C (SIGINT). Whatever step runs, the envoy stops
// within about a second (plus the time the external system takes to obey), exits 128+N, leaves its report
// naming where it stopped, and leaves nothing half-written.
describe('casa-envoy stopped by a signal during each step', () => {
  it.each(['standard-cal', 'restore', 'standard-img', 'integrated'] as const)('%s', async (mode) => {
    const points: StopPoint[] = [...SETUP[mode].map(atStepStart), AT_LAUNCH, AT_VERIFY];
    const reached: string[] = [];
    for (const [index, point] of points.entries()) {
      const dir = await processingDir(mode);
      const signal = index === 1 ? 'SIGINT' : 'SIGTERM';
      const stopped = await stopAt(bundlePath('casa-envoy'), MODE_ARGS[mode], { cwd: dir, env: casaEnv(ENV) }, point, signal);
      const report = readReport(dir);
      const stoppedIn = report.steps.at(-1)?.name ?? '';
      reached.push(`${point.step}->${stoppedIn}`);
      if (point === AT_VERIFY && stopped.code === 0) {
        // Verifying a short run's logs takes milliseconds: the run may be over before the signal arrives.
        expect(report.status).toBe('succeeded');
        continue;
      }
      expect([point.step, stopped.code, report.exitCode, report.signal]).toEqual([point.step, signal === 'SIGINT' ? 130 : 143, signal === 'SIGINT' ? 130 : 143, signal]);
      // About a second; the margin is for a busy machine, far below the 30 s grace period.
      expect([point.step, stopped.stopMs < 5000]).toEqual([point.step, true]);
      if (SLOW.has(point.step)) expect([point.step, stoppedIn]).toEqual([point.step, point.step]);
      expect([point.step, temporariesBelow(dir)]).toEqual([point.step, []]);
    }
    // Every step was reached: the signal fell in it or (a step of milliseconds) right after it.
    expect(reached).toHaveLength(points.length);
  });

  it('verify (a long log)', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    expect((await casaEnvoy(dir, MODE_ARGS['standard-cal'])).code).toBe(0);
    const line = '2024-03-05 12:00:00\tINFO\thifv_applycals::::casa\tApplying calibration to field 3C286 spw 2 and on\n';
    writeFileSync(join(dir, 'working', 'casa-20240305-120000.log'), line.repeat(2_000_000));
    const stopped = await stopAt(bundlePath('casa-envoy'), ['--verify', dir], { cwd: dir, env: casaEnv(ENV) }, { step: 'verify', after: /\[audit-directory\] checking \// });
    expect(stopped.code).toBe(143);
    expect(stopped.stopMs).toBeLessThan(5000);
    // --verify writes its own report beside the run's record, which stays as the run left it.
    const verifyReport = JSON.parse(readFileSync(join(dir, 'casa-envoy-verify-report.json'), 'utf8')) as unknown;
    expect(verifyReport).toMatchObject({ exitCode: 143, steps: [{ name: 'audit-directory' }, { name: 'verify', status: 'failed', detail: 'received SIGTERM' }] });
    expect(readReport(dir)).toMatchObject({ exitCode: 0 });
    expect(temporariesBelow(dir)).toEqual([]);
  });
});
