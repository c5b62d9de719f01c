import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { alive, tempDir, waitFor } from '@envoys/testing';
import { calibrationDir, sparseFile } from './support/fixtures';
import { ingestEnvoy, ledgerEntries, readManifest, readReport, reason, startIngestEnvoy, type IngestWorld } from './support/ingest-envoy';

const ATTEMPT = '.ingest-envoy.attempt.json';

function world(): IngestWorld {
  const root = tempDir('ingest-recovery-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
}

/** What a staging directory holds, with the run's timestamp taken out of the names (each run has its own). */
function stagingView(stagingDir: string): string[] {
  return readdirSync(stagingDir)
    .map((name) => name.replace(/\d{4}_\d\d_\d\dT\d\d_\d\d_\d\d\.\d{3}/, '<timestamp>'))
    .sort();
}

function attemptOf(stagingDir: string): { state: string; pid: number; names: string[] } | undefined {
  const path = join(stagingDir, ATTEMPT);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { state: string; pid: number; names: string[] }) : undefined;
}

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

interface Recovery {
  action: string;
  previousRun: { pid: number; state: string } | null;
  removed: string[];
}

const recoveryOf = (dir: string): Recovery | undefined => (readReport(dir).details as { recovery?: Recovery }).recovery;

// A batch system re-runs an evicted job from the start, in the same directory: the rerun must converge to
// what one clean run leaves, never ingest silently twice, and never fail for products that were ingested.
describe('a rerun after a run that died (SIGKILL, eviction)', () => {
  it('died while ingest ran (the archive never committed): the rerun re-ingests, flagged, and converges', async () => {
    const clean = world();
    calibrationDir(join(clean.root, 'run'));
    expect((await ingestEnvoy(clean, ['--calibration', 'run'])).code).toBe(0);

    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const stagingDir = join(w.stagingRoot, 'run');
    const envoy = startIngestEnvoy(w, ['--calibration', 'run'], { INGEST_EMULATOR_SCENARIO: 'slow', INGEST_EMULATOR_SECONDS: '30' });
    await waitFor(() => envoy.output().includes('started pid='), 20000, 'ingest to start');
    const ingestPid = Number(/started pid=(\d+)/.exec(envoy.output())?.[1]);
    expect(attemptOf(stagingDir)?.state).toBe('handed-over');
    envoy.process.kill('SIGKILL');
    await waitFor(() => !alive(ingestPid), 15000, 'the watchdog to stop ingest');
    await envoy.finished;
    expect(ledgerEntries(w)).toEqual([]);

    const rerun = await ingestEnvoy(w, ['--calibration', 'run']);
    expect([rerun.code, rerun.stderr]).toEqual([0, expect.any(String)]);
    expect(rerun.stdout).toMatch(/WARN +\[check-staging\] an earlier ingest-envoy run \(pid \d+ on .*\) died after handing the staging to ingest.*re-ingestion \(reingest: true\)/);
    expect(recoveryOf(dir)).toMatchObject({ action: 're-ingest', previousRun: { pid: envoy.process.pid, state: 'handed-over' } });
    expect(readManifest(stagingDir).parameters['reingest']).toBe(true);
    expect(ledgerEntries(w).map((entry) => entry['reingest'])).toEqual([true]);
    // Same staging as a clean run (its own timestamp), nothing of the dead run, no record left.
    expect(stagingView(stagingDir)).toEqual(stagingView(join(clean.stagingRoot, 'run')));
    expect(readReport(dir)).toMatchObject({ status: 'succeeded', exitCode: 0 });
  });

  it('died after the archive committed but before it heard so: the rerun re-ingests, never fails', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const envoy = startIngestEnvoy(w, ['--calibration', 'run'], { INGEST_EMULATOR_SCENARIO: 'slow', INGEST_EMULATOR_SECONDS: '1' });
    await waitFor(() => envoy.output().includes('started pid='), 20000, 'ingest to start');
    // Frozen, the envoy cannot see ingest finish; then it is killed: ingest's success never reached it.
    envoy.process.kill('SIGSTOP');
    await waitFor(() => ledgerEntries(w).length === 1, 20000, 'the archive to commit');
    envoy.process.kill('SIGKILL');
    await envoy.finished;

    const rerun = await ingestEnvoy(w, ['--calibration', 'run']);
    expect(rerun.code).toBe(0);
    expect(recoveryOf(dir)?.action).toBe('re-ingest');
    expect(ledgerEntries(w).map((entry) => entry['reingest'])).toEqual([false, true]);
  });

  it('died while staging: what it staged is removed and staged again; one ingestion', async () => {
    const clean = world();
    calibrationDir(join(clean.root, 'run'));
    expect((await ingestEnvoy(clean, ['--calibration', 'run'])).code).toBe(0);

    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    // A large product makes the caltables tar take long enough to be killed in the middle of it.
    sparseFile(join(dir, 'products', 'big.caltable.dat'), 256 * 1024 * 1024);
    sparseFile(join(clean.root, 'run', 'products', 'big.caltable.dat'), 1024);
    const stagingDir = join(w.stagingRoot, 'run');
    const envoy = startIngestEnvoy(w, ['--calibration', 'run']);
    await waitFor(() => attemptOf(stagingDir)?.state === 'staging', 20000, 'staging to begin');
    envoy.process.kill('SIGKILL');
    await envoy.finished;
    const left = readdirSync(stagingDir);
    expect(left).toContain(ATTEMPT);

    await new Promise((resolve) => setTimeout(resolve, 5)); // a timestamp of its own
    const rerun = await ingestEnvoy(w, ['--calibration', 'run']);
    expect([rerun.code, rerun.stderr]).toEqual([0, expect.any(String)]);
    expect(recoveryOf(dir)).toMatchObject({ action: 'restage', previousRun: { state: 'staging' } });
    expect(readManifest(stagingDir).parameters['reingest']).toBe(false);
    expect(ledgerEntries(w).map((entry) => entry['reingest'])).toEqual([false]);
    expect(stagingView(stagingDir)).toEqual(stagingView(join(clean.stagingRoot, 'run')));
  });

  it('died after ingest exited 0: the rerun ingests nothing and succeeds', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const stagingDir = join(w.stagingRoot, 'run');
    expect((await ingestEnvoy(w, ['--calibration', 'run'])).code).toBe(0);
    // The record such a run leaves: written when ingest exited 0, before the report (here its writer is dead).
    const names = readdirSync(stagingDir);
    const record = { envoy: 'ingest-envoy', host: hostname(), pid: deadPid(), startedAt: new Date().toISOString(), mode: 'calibration', state: 'ingested', names, reingest: false, ingestedAt: new Date().toISOString() };
    writeFileSync(join(stagingDir, ATTEMPT), JSON.stringify(record));
    const before = stagingView(stagingDir);

    const rerun = await ingestEnvoy(w, ['--calibration', 'run']);
    expect([rerun.code, rerun.stderr]).toEqual([0, '']);
    expect(rerun.stdout).toMatch(/ingested these products at .* nothing is staged or ingested again/);
    const report = readReport(dir);
    expect(report.launch).toBeUndefined();
    expect(report.steps.filter((step) => step.detail.startsWith('skipped')).map((step) => step.name)).toEqual(['stage-products', 'checksum-staged', 'write-manifest']);
    expect(ledgerEntries(w)).toHaveLength(1);
    expect(stagingView(stagingDir)).toEqual(before.filter((name) => name !== ATTEMPT));
    // And the next run is a second ingestion like any other: refused without --reingest (CONTRACT 5.2).
    expect((await ingestEnvoy(w, ['--calibration', 'run'])).code).toBe(65);
  });

  it('SIGTERM while ingest runs (eviction): exit 143, and the rerun re-ingests', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const envoy = startIngestEnvoy(w, ['--calibration', 'run'], { INGEST_EMULATOR_SCENARIO: 'slow', INGEST_EMULATOR_SECONDS: '30' });
    await waitFor(() => envoy.output().includes('started pid='), 20000, 'ingest to start');
    envoy.process.kill('SIGTERM');
    expect((await envoy.finished).code).toBe(143);
    const rerun = await ingestEnvoy(w, ['--calibration', 'run']);
    expect(rerun.code).toBe(0);
    expect(recoveryOf(dir)?.action).toBe('re-ingest');
    expect(ledgerEntries(w).map((entry) => entry['reingest'])).toEqual([true]);
  });

  describe('a record whose writer may be alive', () => {
    function leaveRecord(stagingDir: string, fields: Record<string, unknown>, ageMs = 0): void {
      const record = { envoy: 'ingest-envoy', host: hostname(), pid: deadPid(), startedAt: new Date().toISOString(), mode: 'calibration', state: 'staging', names: ['victim.tar'], reingest: false, ...fields };
      writeFileSync(join(stagingDir, ATTEMPT), JSON.stringify(record));
      writeFileSync(join(stagingDir, 'victim.tar'), 'staged by the other run');
      if (ageMs > 0) utimesSync(join(stagingDir, ATTEMPT), new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
    }

    it('a living run on this node, or one on another node seen within a minute: exit 73, staging untouched', async () => {
      const w = world();
      calibrationDir(join(w.root, 'run'));
      const stagingDir = join(w.stagingRoot, 'run');
      mkdirSync(stagingDir, { recursive: true });
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        leaveRecord(stagingDir, { pid: sleeper.pid, startedAt: new Date().toISOString() });
        const refused = await ingestEnvoy(w, ['--calibration', 'run']);
        expect([refused.code, reason(refused)]).toEqual([73, expect.stringMatching(/staging directory .*run is in use by an earlier ingest-envoy run \(pid \d+ on .*\); two runs never stage into one directory/)]);
        expect(readFileSync(join(stagingDir, 'victim.tar'), 'utf8')).toBe('staged by the other run');

        leaveRecord(stagingDir, { host: 'another-node.example.org', pid: 4242 });
        expect((await ingestEnvoy(w, ['--calibration', 'run'])).code).toBe(73);

        // The PID now belongs to a process that started an hour after the record: the writer is dead.
        leaveRecord(stagingDir, { pid: sleeper.pid, startedAt: new Date(Date.now() - 3_600_000).toISOString() });
        expect((await ingestEnvoy(w, ['--calibration', 'run'])).code).toBe(0);
        expect(existsSync(join(stagingDir, 'victim.tar'))).toBe(false);
      } finally {
        sleeper.kill('SIGKILL');
      }
    });

    it('another node that has not refreshed its record for a minute is dead; names that are paths are never removed', async () => {
      const w = world();
      calibrationDir(join(w.root, 'run'));
      const stagingDir = join(w.stagingRoot, 'run');
      mkdirSync(stagingDir, { recursive: true });
      writeFileSync(join(w.root, 'outside.txt'), 'must survive');
      leaveRecord(stagingDir, { host: 'another-node.example.org', pid: 4242, names: ['victim.tar', '../outside.txt', '..', '/etc/passwd'] }, 120_000);
      const rerun = await ingestEnvoy(w, ['--calibration', 'run']);
      expect(rerun.code).toBe(0);
      expect(readFileSync(join(w.root, 'outside.txt'), 'utf8')).toBe('must survive');
      expect(existsSync(join(stagingDir, 'victim.tar'))).toBe(false);
      expect(existsSync(join(stagingDir, ATTEMPT))).toBe(false);
    });
  });
});
