import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@envoys/testing';

/** The script that runs the test clusters (tools/scripts/slurm-cluster.sh): start, kill, resume, freeze, thaw, pids. */
export const CLUSTER_SCRIPT = join(workspaceRoot, 'tools/scripts/slurm-cluster.sh');

/** Runs a command of the cluster script; throws with its output when it fails. */
export function clusterCommand(...args: string[]): string {
  const result = spawnSync(CLUSTER_SCRIPT, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`slurm-cluster.sh ${args.join(' ')}: status ${result.status}\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** The same, without blocking the test's event loop (for commands that take a while, e.g. `thaw --daemons-after`). */
export function clusterCommandAsync(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLUSTER_SCRIPT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`slurm-cluster.sh ${args.join(' ')}: status ${code}\n${out}`))));
  });
}

/** The cluster's nodes and their states (`sinfo -N`), e.g. { n1: 'idle', n2: 'down*' }. */
export function nodeStateMap(): Record<string, string> {
  const result = spawnSync('sinfo', ['-h', '-N', '-o', '%N %T'], { encoding: 'utf8', timeout: 15_000 });
  if (result.status !== 0) throw new Error(`sinfo failed: ${result.stderr.trim() || `status ${result.status}`}`);
  const states: Record<string, string> = {};
  for (const line of result.stdout.split('\n')) {
    const [node, state] = line.trim().split(/\s+/);
    if (node && state) states[node] = state;
  }
  return states;
}

/** One job as `scontrol show job -o` describes it. */
export interface JobRecord {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly exitStatus: number;
  readonly exitSignal: number;
  readonly restarts: number;
  /** The node it runs on or last ran on (BatchHost), '' while pending. */
  readonly node: string;
  readonly reason: string;
}

/** Every job slurmctld still knows (finished ones for MinJobAge), by id. */
export function allJobs(): Map<string, JobRecord> {
  const result = spawnSync('scontrol', ['show', 'job', '-o'], { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  const jobs = new Map<string, JobRecord>();
  if (result.status !== 0) throw new Error(`scontrol show job: ${result.stderr.trim()}`);
  for (const raw of result.stdout.split('\n')) {
    const id = /^JobId=(\d+)/.exec(raw)?.[1];
    if (!id) continue;
    const exit = /\bExitCode=(\d+):(\d+)/.exec(raw);
    const batchHost = /\bBatchHost=(\S+)/.exec(raw)?.[1] ?? '';
    jobs.set(id, {
      id,
      name: /\bJobName=(\S+)/.exec(raw)?.[1] ?? '',
      state: /\bJobState=(\S+)/.exec(raw)?.[1] ?? 'UNKNOWN',
      exitStatus: Number(exit?.[1] ?? -1),
      exitSignal: Number(exit?.[2] ?? -1),
      restarts: Number(/\bRestarts=(\d+)/.exec(raw)?.[1] ?? 0),
      node: batchHost === '(null)' ? '' : batchHost,
      reason: /\bReason=(\S+)/.exec(raw)?.[1] ?? '',
    });
  }
  return jobs;
}

/** Ids of the jobs squeue still lists (pending, running, completing). */
export function queuedJobs(): Set<string> {
  const result = spawnSync('squeue', ['-h', '-o', '%i'], { encoding: 'utf8', timeout: 15_000 });
  if (result.status !== 0) throw new Error(`squeue: ${result.stderr.trim()}`);
  return new Set(result.stdout.split('\n').map((line) => line.trim()).filter(Boolean));
}

/** Ids of the jobs running on a node. */
export function runningOn(node: string): string[] {
  const result = spawnSync('squeue', ['-h', '-t', 'R', '-w', node, '-o', '%i'], { encoding: 'utf8', timeout: 15_000 });
  return result.status === 0 ? result.stdout.split('\n').map((line) => line.trim()).filter(Boolean) : [];
}

/** A process of a node (its namespace seen from the host): PID and command line. */
export interface NodeProcess {
  readonly pid: number;
  readonly command: string;
}

/** Every process in the node's PID namespace, by `slurm-cluster.sh pids NODE`. */
export function nodeProcesses(node: string): NodeProcess[] {
  return clusterCommand('pids', node)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const pid = Number(line.trim());
      let command = '';
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      } catch {
        command = '(gone)';
      }
      return { pid, command };
    })
    .filter((process) => process.command !== '(gone)');
}

/** A received request of the closing receiver. */
export interface Received {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface ClosingReceiver {
  readonly url: string;
  received(): Received[];
  close(): void;
}

/** The storm's workflow service: Python's http.server answering HTTP/1.0 and closing (support/closing-receiver.py). */
export async function startClosingReceiver(dir: string): Promise<ClosingReceiver> {
  mkdirSync(dir, { recursive: true });
  const record = join(dir, 'received.jsonl');
  writeFileSync(record, '');
  const server: ChildProcess = spawn('python3', [join(__dirname, 'closing-receiver.py'), record], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.once('exit', (code) => reject(new Error(`the receiver exited with status ${code}`)));
    server.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString('utf8').trim())));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    received: () =>
      existsSync(record)
        ? readFileSync(record, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Received)
        : [],
    close: () => server.kill('SIGKILL'),
  };
}
