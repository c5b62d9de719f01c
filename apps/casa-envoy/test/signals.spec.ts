import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, tempDir, waitFor } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport, startCasaEnvoy } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

function recordedPids(record: string): number[] {
  if (!existsSync(record)) return [];
  const seen = JSON.parse(readFileSync(record, 'utf8')) as { pid: number; childPid?: number };
  return seen.childPid ? [seen.pid, seen.childPid] : [];
}

// CONTRACT 3.5: HTCondor evicts with SIGTERM; nothing of CASA may outlive the envoy.
describe('casa-envoy stopped by a signal or a time limit', () => {
  it.each([
    ['hang', '10'],
    ['hang-stubborn', '1'],
  ])('SIGTERM while CASA hangs (%s): exit 143 within the grace period, no CASA process left', async (scenario, grace) => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const record = join(tempDir(), 'record.json');
    const envoy = startCasaEnvoy(dir, MODE_ARGS['standard-cal'], {
      CASA_EMULATOR_SCENARIO: scenario,
      CASA_EMULATOR_RECORD: record,
      ENVOY_GRACE_SECONDS: grace,
    });
    await waitFor(() => recordedPids(record).length === 2, 20000, 'CASA and its worker to start');
    const pids = recordedPids(record);
    for (const pid of pids) expect(alive(pid)).toBe(true);
    const sent = Date.now();
    envoy.process.kill('SIGTERM');
    const finished = await envoy.finished;
    expect(finished.code).toBe(143);
    expect(Date.now() - sent).toBeLessThan(Number(grace) * 1000 + 5000);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const report = readReport(dir);
    expect(report).toMatchObject({ status: 'failed', exitCode: 143, signal: 'SIGTERM' });
    expect(report.launch?.signal ?? report.launch?.exitCode).toBeDefined();
  });

  it.each([
    ['hang', '10'],
    ['hang-stubborn', '1.5'],
  ])('SIGKILL of the envoy while CASA hangs (%s): its watchdog stops CASA and its MPI worker', async (scenario, grace) => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const record = join(tempDir(), 'record.json');
    const envoy = startCasaEnvoy(dir, MODE_ARGS['standard-cal'], {
      CASA_EMULATOR_SCENARIO: scenario,
      CASA_EMULATOR_RECORD: record,
      ENVOY_GRACE_SECONDS: grace,
    });
    await waitFor(() => recordedPids(record).length === 2, 20000, 'CASA and its worker to start');
    const pids = recordedPids(record);
    envoy.process.kill('SIGKILL');
    await waitFor(() => pids.every((pid) => !alive(pid)), Number(grace) * 1000 + 15000, 'CASA and its worker to be stopped');
    const finished = await envoy.finished;
    expect(finished.signal).toBe('SIGKILL');
    expect(finished.stdout).toMatch(/\[watchdog\] casa-envoy \(pid \d+\) died while casa \(process group \d+\) was running/);
    if (scenario === 'hang-stubborn') expect(finished.stdout).toMatch(/killed with SIGKILL/);
  });

  it('a time limit stops CASA and gives exit 124', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const record = join(tempDir(), 'record.json');
    const finished = await casaEnvoy(dir, [...MODE_ARGS['standard-cal'], '--timeout-minutes', '0.02'], {
      CASA_EMULATOR_SCENARIO: 'hang',
      CASA_EMULATOR_RECORD: record,
    });
    expect(finished.code).toBe(124);
    for (const pid of recordedPids(record)) expect(alive(pid)).toBe(false);
    expect(readReport(dir).exitCode).toBe(124);
  });
});
