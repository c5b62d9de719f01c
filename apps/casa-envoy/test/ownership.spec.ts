import { existsSync, linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { alive, tempDir, waitFor } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, readReport, reason, startCasaEnvoy } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

const LEASE = '.envoys-lease.json';

function recordedPids(record: string): number[] {
  if (!existsSync(record)) return [];
  const seen = JSON.parse(readFileSync(record, 'utf8')) as { pid: number; childPid?: number };
  return seen.childPid ? [seen.pid, seen.childPid] : [];
}

/** A lease as another node's envoy writes it (a host this machine is not). */
function foreignLease(pid = 4321): string {
  return JSON.stringify({ envoy: 'casa-envoy', runId: 'r-other', host: 'node-elsewhere', pidNamespace: 'pid:[1]', pid, batchJob: 'slurm 77', since: '2026-12-04T10:00:00.000Z', token: 'f'.repeat(24) });
}

// One owner per processing directory (docs/RELIABILITY.md): a lease file, created with link() so that it
// holds on NFS and Lustre, renewed by the owner; refused with 75, taken over when unrenewed, lost = stop.
describe('casa-envoy owns its processing directory', () => {
  it('a second envoy on a directory whose owner is alive is refused with 75 naming the owner, and writes nothing', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const record = join(tempDir(), 'record.json');
    const owner = startCasaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'hang', CASA_EMULATOR_RECORD: record, ENVOY_LEASE_SECONDS: '1.5', SLURM_JOB_ID: '4242' });
    await waitFor(() => recordedPids(record).length === 2, 20000, 'CASA and its worker to start');
    const statusBefore = readFileSync(join(dir, 'casa-envoy-status.json'), 'utf8');
    const second = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { ENVOY_LEASE_SECONDS: '1.5' });
    expect(second.code).toBe(75);
    expect(reason(second)).toMatch(
      new RegExp(`^casa-envoy: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is owned by casa-envoy pid ${owner.process.pid} on host ${hostname()} \\(batch job slurm 4242\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; refusing to work on it`),
    );
    // The owner's files are its own: no report of the refused run, the status file is the owner's.
    expect(existsSync(join(dir, 'casa-envoy-report.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'casa-envoy-status.json'), 'utf8'))).toMatchObject({ runId: (JSON.parse(statusBefore) as { runId: string }).runId });
    owner.process.kill('SIGTERM');
    expect((await owner.finished).code).toBe(143);
    expect(readReport(dir)).toMatchObject({ exitCode: 143 });
    expect(existsSync(join(dir, LEASE))).toBe(false);
  });

  it('a lease left by a run on another node is taken over once it went unrenewed for a lease period; the run succeeds', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    writeFileSync(join(dir, LEASE), foreignLease());
    const finished = await casaEnvoy(dir, MODE_ARGS['standard-cal'], { ENVOY_LEASE_SECONDS: '1' });
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(/\[lease\] took over the lease of .* from casa-envoy pid 4321 on host node-elsewhere \(batch job slurm 77\) since 2026-12-04T10:00:00.000Z: its lease was not renewed for 1 s/);
    expect(readReport(dir)).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(existsSync(join(dir, LEASE))).toBe(false);
  });

  it('the lease of an envoy killed with SIGKILL on this host is taken over at once: the rerun converges', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const record = join(tempDir(), 'record.json');
    const first = startCasaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'hang', CASA_EMULATOR_RECORD: record, ENVOY_GRACE_SECONDS: '1' });
    await waitFor(() => recordedPids(record).length === 2, 20000, 'CASA and its worker to start');
    first.process.kill('SIGKILL');
    await first.finished;
    expect(existsSync(join(dir, LEASE))).toBe(true);
    // The default lease (60 s) is not waited out: the holder's process is gone on this host.
    const rerun = await casaEnvoy(dir, MODE_ARGS['standard-cal']);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/took over the lease .* from casa-envoy pid \d+ on host .*: that process is gone/);
    expect(readReport(dir)).toMatchObject({ status: 'succeeded' });
  });

  it('an owner whose lease was taken over stops CASA, exits 75 saying so, and writes nothing more', async () => {
    const dir = makeProcessingDir({ mode: 'standard-cal' });
    const record = join(tempDir(), 'record.json');
    const owner = startCasaEnvoy(dir, MODE_ARGS['standard-cal'], { CASA_EMULATOR_SCENARIO: 'hang', CASA_EMULATOR_RECORD: record, ENVOY_LEASE_SECONDS: '1', ENVOY_GRACE_SECONDS: '3' });
    await waitFor(() => recordedPids(record).length === 2, 20000, 'CASA and its worker to start');
    const pids = recordedPids(record);
    // What a run on another node does once this one's node was cut off for a lease period.
    const status = join(dir, 'casa-envoy-status.json');
    const taker = join(dir, '.taker.tmp');
    writeFileSync(taker, foreignLease(99));
    renameSync(join(dir, LEASE), join(dir, '.aside.tmp'));
    linkSync(taker, join(dir, LEASE));
    unlinkSync(taker);
    unlinkSync(join(dir, '.aside.tmp'));
    const finished = await owner.finished;
    expect(finished.code).toBe(75);
    expect(reason(finished)).toMatch(/^casa-envoy: lost ownership of .*: its lease was taken over by casa-envoy pid 99 on host node-elsewhere \(batch job slurm 77\) since .*; stopped, and wrote nothing more there$/);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'casa-envoy-report.json'))).toBe(false);
    expect(existsSync(join(dir, 'casa-envoy-report.html'))).toBe(false);
    // The status file was last written while the run still owned the directory: no final state of it.
    const last = JSON.parse(readFileSync(status, 'utf8')) as Record<string, unknown>;
    expect(last).not.toHaveProperty('exitCode');
    expect(last).not.toHaveProperty('finishedAt');
    // The new owner's lease is untouched.
    expect(readFileSync(join(dir, LEASE), 'utf8')).toBe(foreignLease(99));
  });
});
