import { spawn } from 'node:child_process';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@envoys/testing';
import { makeCasaHome, makeInstall, makeProcessingDir } from './support/install';

// The job body of deploy/slurm run by bash as slurmstepd runs it (no scheduler needed): a job whose results
// directory another run owns must not stage its output over that run's results (issue 21: a node cut off
// past SlurmdTimeout came back, and its job wrapper staged a partial run over the requeued job's results).
describe('deploy/slurm job wrapper and the ownership of the results directory', () => {
  it('another live run holds the lease: the envoy is refused (75), the job exits 75 and stages nothing out', async () => {
    const home = makeInstall();
    const dir = makeProcessingDir(tempDir('spool-'), 'tmpo1ca1pp_');
    const before = readdirSync(dir).sort();
    const lease = join(dir, '.envoys-lease.json');
    writeFileSync(lease, JSON.stringify({ envoy: 'casa-envoy', runId: 'r2', host: 'n2', pidNamespace: 'pid:[1]', pid: 77, batchJob: 'slurm 9 (restart 1)', since: '2026-12-04T20:00:00.000Z', token: 'a'.repeat(24) }));
    // The live owner renews its lease.
    const renew = setInterval(() => utimesSync(lease, new Date(), new Date()), 200);
    try {
      const job = spawn('bash', [join(home, 'deploy/slurm/casa-envoy.sbatch')], {
        cwd: dir,
        env: { ...process.env, ENVOYS_HOME: home, SLURM_JOB_ID: '9', ENVOY_GRACE_SECONDS: '5', ENVOY_LEASE_SECONDS: '1', CASA_HOME: makeCasaHome(), ENVOY_SCRATCH_ROOT: tempDir('scratch-') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      job.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      job.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => job.on('close', resolve));
      expect(code).toBe(75);
      expect(output).toMatch(/casa-envoy: .*tmpo1ca1pp_ is owned by casa-envoy pid 77 on host n2 \(batch job slurm 9 \(restart 1\)\) since 2026-12-04T20:00:00.000Z; refusing to work on it/);
      expect(output).toMatch(/envoy-job\[9\]: casa-envoy does not own .*tmpo1ca1pp_ \(exit 75\): nothing staged out/);
    } finally {
      clearInterval(renew);
    }
    // Nothing of the refused job in the results directory: no products, working, report or status.
    expect(readdirSync(dir).sort()).toEqual([...before, '.envoys-lease.json'].sort());
    expect(existsSync(join(dir, 'products'))).toBe(false);
  });
});
