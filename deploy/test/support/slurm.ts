import { spawn, spawnSync } from 'node:child_process';
import { dirname } from 'node:path';

/** Whether Slurm's client commands are installed here (the tests skip only when they are not). */
export function slurmInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v sinfo && command -v sbatch && command -v scancel && command -v scontrol'], { stdio: 'ignore' }).status === 0;
}

/** The states of this cluster's nodes (`sinfo -h -o %T`), e.g. ["idle"]; throws when the controller does not answer. */
export function nodeStates(): string[] {
  const result = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 15000 });
  if (result.status !== 0) throw new Error(`sinfo failed: ${result.stderr.trim() || `status ${result.status}`}`);
  return result.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}

/**
 * The environment a job gets. sbatch passes its own environment to the job (--export=ALL, the default),
 * so this is exactly what the job sees besides Slurm's SLURM_* variables: a PATH that finds this Node.js,
 * and the variables the test sets. Nothing of jest's or Nx's environment leaks into the job.
 */
export function jobEnvironment(extra: Readonly<Record<string, string>>): Record<string, string> {
  const path = `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  return { PATH: path, HOME: process.env['HOME'] ?? '/root', LANG: 'C.UTF-8', ...extra };
}

export interface Submission {
  readonly jobId: string;
  /** sbatch's own exit status (only meaningful with `wait`: the job's exit status, 1 when it died of a signal). */
  readonly sbatchExit: Promise<number | null>;
}

/**
 * Submits a batch script with `sbatch --parsable` (and `--wait` when asked); resolves once Slurm has given
 * the job its id. `options` are extra sbatch options (they override the script's #SBATCH lines).
 */
export function sbatch(
  script: string,
  args: readonly string[],
  settings: { cwd: string; env: Record<string, string>; options?: readonly string[]; wait?: boolean },
): Promise<Submission> {
  const argv = ['--parsable', ...(settings.wait ? ['--wait'] : []), ...(settings.options ?? []), script, ...args];
  const child = spawn('sbatch', argv, { cwd: settings.cwd, env: settings.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const sbatchExit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^(\d+)(;\S+)?\s*$/m.exec(stdout);
      if (match) resolve({ jobId: match[1] as string, sbatchExit });
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    void sbatchExit.then((code) => {
      if (!/^\d+/m.test(stdout)) reject(new Error(`sbatch exited ${code} without a job id: ${stderr.trim()}`));
    });
  });
}

export interface JobInfo {
  readonly state: string;
  /** `ExitCode=S:N`: the batch script's exit status and the signal that killed it (0: none). */
  readonly exitStatus: number;
  readonly exitSignal: number;
  readonly raw: string;
}

const FINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

export function jobInfo(jobId: string): JobInfo {
  const result = spawnSync('scontrol', ['show', 'job', '-o', jobId], { encoding: 'utf8', timeout: 15000 });
  if (result.status !== 0) throw new Error(`scontrol show job ${jobId}: ${result.stderr.trim()}`);
  const raw = result.stdout.trim();
  const state = /\bJobState=(\S+)/.exec(raw)?.[1] ?? 'UNKNOWN';
  const exit = /\bExitCode=(\d+):(\d+)/.exec(raw);
  return { state, exitStatus: Number(exit?.[1] ?? -1), exitSignal: Number(exit?.[2] ?? -1), raw };
}

/** Whether squeue still lists the job (a cancelled job stays listed, as completing, until its processes are gone). */
function inQueue(jobId: string): boolean {
  const result = spawnSync('squeue', ['-h', '-j', jobId, '-o', '%i'], { encoding: 'utf8', timeout: 15000 });
  return result.status === 0 && result.stdout.trim() !== '';
}

/**
 * Polls until the job has ended and its processes are gone (quicker than `sbatch --wait`, whose polling
 * backs off to 10 s). A cancelled job is CANCELLED at once in scontrol; it has ended when squeue drops it.
 */
export async function jobEnd(jobId: string, ms = 90000): Promise<JobInfo> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = jobInfo(jobId);
    if (FINAL_STATES.has(info.state) && !inQueue(jobId)) return jobInfo(jobId);
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${info.state} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Cancels a job if it is still there (clean-up after a failed test). */
export function cancelQuietly(jobId: string | undefined): void {
  if (jobId) spawnSync('scancel', [jobId], { stdio: 'ignore' });
}
