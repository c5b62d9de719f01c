import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFile, rm, stat, utimes } from 'node:fs/promises';
import { CannotCreateError, errnoCode, writeFileAtomic, writerAlive } from '@envoys/envoy-core';
import { isBareName } from '../naming';

/** The hidden file in the staging directory that says an ingest-envoy run is (or was) working there. */
export const ATTEMPT_NAME = '.ingest-envoy.attempt.json';

/**
 * How far a run got:
 * - `staging`: it may have placed any of `names`; the manifest is not (completely) there;
 * - `handed-over`: the staging is complete, manifest included, and ingest may have been launched: whether
 *   the archive took the products is unknown;
 * - `ingested`: ingest exited 0; the run had not finished reporting.
 */
export type AttemptState = 'staging' | 'handed-over' | 'ingested';

export interface Attempt {
  readonly envoy: 'ingest-envoy';
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly mode: string;
  readonly state: AttemptState;
  /** Every name the run may have created in the staging directory (tars, links, trees, the manifest). */
  readonly names: readonly string[];
  /** Whether its manifest said `reingest`. */
  readonly reingest: boolean;
  readonly ingestedAt?: string;
}

// Another node's run refreshes its record this often; a record untouched for LEASE_MS belongs to a dead run.
const HEARTBEAT_MS = 15_000;
const LEASE_MS = 60_000;

/** The previous run's record, if one is there and readable; a damaged record is treated as a dead run's. */
export async function readAttempt(stagingDir: string): Promise<{ attempt: Attempt | undefined; modifiedMs: number } | undefined> {
  const path = join(stagingDir, ATTEMPT_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw new CannotCreateError(`cannot read ${path}: ${errnoCode(error) ?? String(error)}`);
  }
  const { mtimeMs } = await stat(path);
  try {
    const value = JSON.parse(text) as Partial<Attempt>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string' || !Array.isArray(value.names) || typeof value.state !== 'string') {
      return { attempt: undefined, modifiedMs: mtimeMs };
    }
    return { attempt: value as Attempt, modifiedMs: mtimeMs };
  } catch {
    return { attempt: undefined, modifiedMs: mtimeMs };
  }
}

/**
 * Whether the run that wrote a record may still be running: on this node, its PID is a living process
 * that started before the record (a reused PID is not it); on another node, it refreshed the record within
 * the lease.
 */
export function attemptAlive(attempt: Attempt, modifiedMs: number, now = Date.now()): boolean {
  if (attempt.host === hostname()) return writerAlive(attempt.pid, Date.parse(attempt.startedAt) || 0);
  return now - modifiedMs < LEASE_MS;
}

/** Removes what a dead run may have staged under `names` (files, links or whole trees). */
export async function removeAttemptFiles(stagingDir: string, names: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  // Only bare names: a damaged or hostile record never makes the envoy remove anything outside staging.
  for (const name of names.filter((entry) => typeof entry === 'string' && isBareName(entry))) {
    try {
      await rm(join(stagingDir, name), { recursive: true });
      removed.push(name);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw new CannotCreateError(`cannot remove ${join(stagingDir, name)} (left by an earlier run that died): ${errnoCode(error) ?? String(error)}`);
    }
  }
  return removed;
}

/** This run's record in the staging directory, kept up to date and refreshed while the run lasts. */
export class AttemptRecord {
  private state: Attempt;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly path: string;

  constructor(
    stagingDir: string,
    init: Pick<Attempt, 'mode' | 'names' | 'reingest'> & { startedAt: Date },
  ) {
    this.path = join(stagingDir, ATTEMPT_NAME);
    this.state = {
      envoy: 'ingest-envoy',
      host: hostname(),
      pid: process.pid,
      startedAt: init.startedAt.toISOString(),
      mode: init.mode,
      state: 'staging',
      names: init.names,
      reingest: init.reingest,
    };
  }

  get current(): AttemptState {
    return this.state.state;
  }

  /** Written before the first file is staged, and again at each change of state. */
  async write(state: AttemptState = this.state.state): Promise<void> {
    this.state = { ...this.state, state, ...(state === 'ingested' ? { ingestedAt: new Date().toISOString() } : {}) };
    await writeFileAtomic(this.path, JSON.stringify(this.state, null, 2) + '\n');
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => {
        const now = new Date();
        utimes(this.path, now, now).catch(() => undefined);
      }, HEARTBEAT_MS);
      this.heartbeat.unref();
    }
  }

  /** The run is over and its outcome reported: the record goes (the manifest now speaks for the staging). */
  async remove(): Promise<void> {
    this.stop();
    await rm(this.path, { force: true });
  }

  stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
