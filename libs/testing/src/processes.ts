import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface Started {
  readonly process: ChildProcess;
  readonly finished: Promise<Finished>;
  output(): string;
}

/** Starts a bundled envoy (or any node script) as a real process; HOME is the cwd unless env says otherwise. */
export function start(script: string, args: readonly string[], options: { cwd: string; env?: Record<string, string | undefined> }): Started {
  const began = Date.now();
  // ENVOYS_TEST_NODE: another Node.js to run the envoy on (describeOnEachNode; the LTS).
  const proc = spawn(process.env['ENVOYS_TEST_NODE'] || process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'], HOME: options.cwd, ...options.env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<Finished>((resolve) => {
    proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - began }));
  });
  return { process: proc, finished, output: () => stdout };
}

export function run(script: string, args: readonly string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<Finished> {
  return start(script, args, options).finished;
}

/** Resolves when `predicate` holds, polling; fails the test after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 15000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is dead for our purposes.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function readPids(file: string): { child: number; grandchild: number } {
  return JSON.parse(readFileSync(file, 'utf8')) as { child: number; grandchild: number };
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
