import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundlePath, run, start, type Finished, type Started } from '@envoys/testing';
import { casaEnv } from './processing-dir';

export interface CasaReport {
  startedAt: string;
  envoy: string;
  mode: string;
  status: 'succeeded' | 'failed';
  exitCode: number;
  steps: { name: string; status: string; durationMs: number; detail: string }[];
  launch?: { argv: string[]; cwd: string; env: Record<string, string>; unsetEnv: string[]; exitCode: number | null; signal: string | null; pid: number };
  findings: { file: string; line: number | null; rule: string; text: string; context?: { before: string[]; after: string[] } }[];
  signal?: string;
  notes?: string[];
  stages?: { index: number; task: string; status: string; startedAt?: string; finishedAt?: string }[];
}

/** Runs the built casa-envoy in `dir` against the CASA emulator. */
export function casaEnvoy(dir: string, args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Finished> {
  return run(bundlePath('casa-envoy'), args, { cwd: dir, env: casaEnv(env) });
}

export function startCasaEnvoy(dir: string, args: readonly string[], env: Record<string, string | undefined> = {}): Started {
  return start(bundlePath('casa-envoy'), args, { cwd: dir, env: casaEnv(env) });
}

export function readReport(dir: string): CasaReport {
  return JSON.parse(readFileSync(join(dir, 'casa-envoy-report.json'), 'utf8')) as CasaReport;
}

/** The envoy's own one-line reason on stderr (the child's stderr may come before it). */
export function reason(finished: Finished): string {
  return finished.stderr.split('\n').find((line) => line.startsWith('casa-envoy: ')) ?? `(no reason line in: ${finished.stderr})`;
}

export const MODE_ARGS = {
  'standard-cal': ['-c', 'metadata.json', 'PPR.xml'],
  restore: ['-c', 'metadata.json', 'PPR.xml', '--restore'],
  'standard-img': ['-i', 'metadata.json', 'PPR.xml'],
  integrated: ['-i', 'metadata.json', 'PPR.xml', '--integrated'],
} as const;
