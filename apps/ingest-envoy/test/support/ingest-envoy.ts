import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { list } from 'tar';
import { bundleAlone, isRunRecord, run, start, treeFingerprint, workspaceRoot, type Finished, type Started } from '@envoys/testing';

/** The ingest emulator's bin directory, put first on PATH so that `ingest` is found like the real one. */
export const EMULATOR_BIN = join(workspaceRoot, 'tools/emulators/ingest/bin');

let alone: string | undefined;

/**
 * The built bundle, copied alone into an empty directory as a workflow copies it onto a node: with no
 * node_modules above it, a dependency that was not inlined (ajv, node-tar) would fail the run.
 */
export function envoyScript(): string {
  alone ??= bundleAlone('ingest-envoy');
  return alone;
}

export interface IngestReport {
  startedAt: string;
  envoy: string;
  mode: string;
  status: 'succeeded' | 'failed';
  exitCode: number;
  steps: { name: string; status: string; durationMs: number; detail: string }[];
  launch?: { argv: string[]; cwd: string; exitCode: number | null; signal: string | null };
  findings: { file: string; line: number | null; rule: string; text: string }[];
  details: {
    staging?: { directory: string; reingest: boolean; files: { name: string; size: number; sha256?: string; method: string }[] };
    manifest?: string;
  };
  signal?: string;
}

export interface Manifest {
  parameters: Record<string, unknown>;
  input_group: { science_products: { type: string; locator: string }[] };
  output_group: {
    science_products: { type: string; filename: string; ancillary_products?: { type: string; filename: string }[] }[];
    ancillary_products?: { type: string; filename: string }[];
  };
  ingestion_artifacts: { ancillary_products: { type: string; filename: string }[] };
}

export interface IngestWorld {
  /** Parent of the processing directories and of the staging root. */
  readonly root: string;
  readonly stagingRoot: string;
  readonly ledger: string;
}

/** Environment of a run: the emulator on PATH, the staging root and the ledger; `extra` wins. */
export function ingestEnv(world: IngestWorld, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: `${EMULATOR_BIN}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    ENVOY_INGEST_STAGING_ROOT: world.stagingRoot,
    INGEST_EMULATOR_LEDGER: world.ledger,
    ENVOY_GRACE_SECONDS: '5',
    ...extra,
  };
}

export function ingestEnvoy(world: IngestWorld, args: readonly string[], extra: Record<string, string | undefined> = {}): Promise<Finished> {
  return run(envoyScript(), args, { cwd: world.root, env: ingestEnv(world, extra) });
}

export function startIngestEnvoy(world: IngestWorld, args: readonly string[], extra: Record<string, string | undefined> = {}): Started {
  return start(envoyScript(), args, { cwd: world.root, env: ingestEnv(world, extra) });
}

/** Runs the envoy under a file-size limit (RLIMIT_FSIZE): a full disk for one process, without mounting. */
export function ingestEnvoyUnderFileSizeLimit(world: IngestWorld, bytes: number, args: readonly string[]): Promise<Finished> {
  const began = Date.now();
  const child = spawn('prlimit', [`--fsize=${bytes}`, process.execPath, envoyScript(), ...args], {
    cwd: world.root,
    env: { HOME: world.root, ...ingestEnv(world) } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - began })));
}

export function readReport(dir: string): IngestReport {
  return JSON.parse(readFileSync(join(dir, 'ingest-envoy-report.json'), 'utf8')) as IngestReport;
}

export function readManifest(stagingDir: string): Manifest {
  return JSON.parse(readFileSync(join(stagingDir, 'ingestion-manifest.json'), 'utf8')) as Manifest;
}

/** The envoy's own one-line reason on stderr (the child's stderr may come before it). */
export function reason(finished: Finished): string {
  return finished.stderr.split('\n').find((line) => line.startsWith('ingest-envoy: ')) ?? `(no reason line in: ${finished.stderr})`;
}

/** The ledger's entries (one JSON object per ingestion). */
export function ledgerEntries(world: IngestWorld): Record<string, unknown>[] {
  if (!existsSync(world.ledger)) return [];
  return readFileSync(world.ledger, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A tar's members with their content (small test archives only). */
export function tarMembers(file: string): Map<string, Buffer> {
  const members = new Map<string, Buffer>();
  list({
    file,
    sync: true,
    onReadEntry(entry) {
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => members.set(entry.path, Buffer.concat(chunks)));
    },
  });
  return members;
}

/** The fingerprint of a processing directory without the files every run writes there (report, run page, status, output). */
export function inputFingerprint(dir: string): Record<string, string> {
  const fingerprint = treeFingerprint(dir);
  for (const key of Object.keys(fingerprint)) {
    if (!key.includes('/') && isRunRecord('ingest-envoy', key)) delete fingerprint[key];
  }
  return fingerprint;
}
