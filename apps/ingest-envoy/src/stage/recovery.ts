import { CannotCreateError } from '@envoys/envoy-core';
import { attemptAlive, readAttempt, type Attempt } from './attempt';

/**
 * What this run does about an earlier run that died in the same staging directory (killed outright, or
 * stopped by a signal before ingest had finished; a batch system re-runs an evicted job from the start):
 * - `restage`: it died while staging: what it staged is removed and staging starts again;
 * - `re-ingest`: it had handed the staging to ingest and whether the archive took the products is unknown:
 *   everything is staged again and ingested as a re-ingestion (`reingest: true`), said in the log and the
 *   report; never a silent second ingestion, and never a failed job for products that were ingested;
 * - `already-ingested`: ingest had exited 0: nothing is staged or ingested again, and the run succeeds.
 */
export interface Recovery {
  readonly action: 'restage' | 're-ingest' | 'already-ingested';
  /** The dead run's record; undefined when the record was damaged (then nothing it named can be removed). */
  readonly previous: Attempt | undefined;
  /** Whether this run's manifest says `reingest`. */
  readonly reingest: boolean;
}

function who(previous: Attempt | undefined): string {
  return previous ? `an earlier ingest-envoy run (pid ${previous.pid} on ${previous.host}, started ${previous.startedAt})` : 'an earlier ingest-envoy run (its record is damaged)';
}

/**
 * Reads the record an earlier run left in the staging directory and decides. A run that may still be
 * working there (on this node: its process lives; on another node: it refreshed its record within the last
 * minute) is exit 73: two runs never stage into one directory.
 */
export async function recoveryFor(stagingDir: string, reingest: boolean): Promise<Recovery | undefined> {
  const found = await readAttempt(stagingDir);
  if (!found) return undefined;
  const { attempt: previous, modifiedMs } = found;
  if (previous && attemptAlive(previous, modifiedMs)) {
    throw new CannotCreateError(
      `staging directory ${stagingDir} is in use by ${who(previous)}; two runs never stage into one directory (wait for it to end)`,
    );
  }
  if (previous?.state === 'ingested') return { action: 'already-ingested', previous, reingest: previous.reingest };
  if (previous?.state === 'staging') return { action: 'restage', previous, reingest: reingest || previous.reingest };
  return { action: 're-ingest', previous, reingest: true };
}

/** One line for the log and the step's detail. */
export function describeRecovery(recovery: Recovery, dryRun: boolean): string {
  const earlier = who(recovery.previous);
  const will = dryRun ? 'would be' : 'are';
  switch (recovery.action) {
    case 'already-ingested':
      return `${earlier} ingested these products at ${recovery.previous?.ingestedAt ?? 'an unknown time'} and died before it finished: nothing ${will === 'are' ? 'is' : 'would be'} staged or ingested again`;
    case 'restage':
      return `${earlier} died while staging: what it staged ${will} removed and staged again`;
    case 're-ingest':
      return `${earlier} died after handing the staging to ingest, so whether the archive took the products is unknown: they ${will} staged again and ingested as a re-ingestion (reingest: true)`;
  }
}
