import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from '@envoys/testing';
import { calibrationDir } from './support/fixtures';
import { ingestEnvoy, readReport, reason, startIngestEnvoy, type IngestWorld } from './support/ingest-envoy';

function world(): IngestWorld {
  const root = tempDir('ingest-deep-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
}

/** A chain of `depth` nested directories `d/d/...` in products/ with a table at the bottom. */
function deepChain(products: string, depth: number): void {
  const bottom = join(products, ...Array.from({ length: depth }, () => 'd'));
  mkdirSync(bottom, { recursive: true });
  writeFileSync(join(bottom, 'table.dat'), 'deep');
}

// The audit walks products/ in time linear in its entries (tools/bench/ingest-deep-tree.sh measures it), refuses
// a tree deeper than any product, and stops at once on a signal.
describe('deep directory trees in products/', () => {
  it('a tree 1000 directories deep is audited and ingested', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    deepChain(join(dir, 'products'), 1000);
    const finished = await ingestEnvoy(w, ['--calibration', dir]);
    expect([finished.code, reason(finished)]).toEqual([0, expect.any(String)]);
    expect(readReport(dir).status).toBe('succeeded');
  });

  it('a tree deeper than 1024 directories is refused with 65 naming where', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    deepChain(join(dir, 'products'), 1500);
    const finished = await ingestEnvoy(w, ['--calibration', dir, '--dry-run', '--report', join(w.root, 'report.json')]);
    // The 2 kB path is shortened in the middle on the error line; the run report keeps it whole.
    expect([finished.code, reason(finished)]).toEqual([
      65,
      expect.stringMatching(/^ingest-envoy: \S+\/products[d/]+…\[\d+ characters left out\]…[d/]+ is nested more than 1024 directories deep below \S+\/products: refused$/),
    ]);
    const report = JSON.parse(readFileSync(join(w.root, 'report.json'), 'utf8')) as { error: { message: string } };
    expect(report.error.message).toMatch(/\/products(\/d){1025} is nested more than 1024 directories deep/);
  });

  it('SIGTERM during the audit of a large deep tree stops the envoy at once with 143', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const products = join(dir, 'products');
    deepChain(products, 1000);
    // Many files at every level of a second chain: an audit that takes a while on a busy machine.
    let level = join(products, 'wide');
    for (let depth = 0; depth < 200; depth += 1) {
      mkdirSync(level, { recursive: true });
      for (let file = 0; file < 100; file += 1) writeFileSync(join(level, `f${file}.dat`), '');
      level = join(level, 'w');
    }
    const started = startIngestEnvoy(w, ['--calibration', dir, '--dry-run', '--report', join(w.root, 'report.json')]);
    await waitFor(() => started.output().includes('[audit-inputs] checking'), 30000, 'the audit to start');
    const signalled = Date.now();
    started.process.kill('SIGTERM');
    const finished = await started.finished;
    expect(finished.code).toBe(143);
    // Generous for a busy machine: the walk checks the signal before every entry.
    expect(Date.now() - signalled).toBeLessThan(5000);
  });
});
