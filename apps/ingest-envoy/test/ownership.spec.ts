import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@envoys/testing';
import { calibrationDir } from './support/fixtures';
import { ingestEnvoy, ledgerEntries, reason, type IngestWorld } from './support/ingest-envoy';

// One owner per processing directory (docs/RELIABILITY.md): an ingestion of a directory another live run
// owns is refused before anything is staged or handed to ingest.
describe('ingest-envoy and the ownership of DIR', () => {
  it('DIR whose owner renews its lease: 75 naming the owner; nothing staged, nothing ingested, no report', async () => {
    const root = tempDir('ingest-owned-');
    const w: IngestWorld = { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
    const dir = calibrationDir(join(root, 'tmpo1ca1pp_'));
    const before = readdirSync(dir).sort();
    const lease = join(dir, '.envoys-lease.json');
    writeFileSync(lease, JSON.stringify({ envoy: 'casa-envoy', runId: 'r1', host: 'n3', pidNamespace: 'pid:[1]', pid: 812, batchJob: 'slurm 31', since: '2026-12-04T19:00:00.000Z', token: 'b'.repeat(24) }));
    const renew = setInterval(() => utimesSync(lease, new Date(), new Date()), 150);
    try {
      const finished = await ingestEnvoy(w, ['--calibration', 'tmpo1ca1pp_'], { ENVOY_LEASE_SECONDS: '1' });
      expect(finished.code).toBe(75);
      expect(reason(finished)).toMatch(/^ingest-envoy: .*tmpo1ca1pp_ is owned by casa-envoy pid 812 on host n3 \(batch job slurm 31\) since 2026-12-04T19:00:00.000Z; refusing to work on it/);
    } finally {
      clearInterval(renew);
    }
    expect(readdirSync(dir).sort()).toEqual([...before, '.envoys-lease.json'].sort());
    expect(existsSync(join(w.stagingRoot, 'tmpo1ca1pp_'))).toBe(false);
    expect(existsSync(w.ledger) ? ledgerEntries(w) : []).toEqual([]);
  });
});
