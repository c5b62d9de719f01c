import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@envoys/testing';
import { calibrationDir } from './support/fixtures';
import { ingestEnvoy, ledgerEntries, readReport, reason, type IngestWorld } from './support/ingest-envoy';

function world(): IngestWorld {
  const root = tempDir('ingest-links-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
}

// The staging directory is a real directory the envoy made or found, never reached through a link: nothing is
// written through one, and the manifest never names a path whose files are elsewhere.
describe('a symbolic link where the staging directory should be', () => {
  it.each([['an existing directory elsewhere'], ['a path that does not exist yet']])('pointing to %s is refused with 73 and nothing is written through it', async (which) => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    mkdirSync(w.stagingRoot);
    const elsewhere = join(w.root, 'elsewhere');
    if (which === 'an existing directory elsewhere') mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(w.stagingRoot, 'run'));
    for (const args of [['--calibration', dir, '--dry-run'], ['--calibration', dir]]) {
      const finished = await ingestEnvoy(w, args);
      expect([finished.code, reason(finished)]).toEqual([73, `ingest-envoy: cannot use staging directory ${join(w.stagingRoot, 'run')}: it is a symbolic link, not a directory`]);
    }
    expect(existsSync(elsewhere) ? readdirSync(elsewhere) : 'absent').toEqual(which === 'an existing directory elsewhere' ? [] : 'absent');
    expect(lstatSync(join(w.stagingRoot, 'run')).isSymbolicLink()).toBe(true);
    expect(ledgerEntries(w)).toEqual([]);
    expect(readReport(dir).exitCode).toBe(73);
  });

  it('a staging root reached through a link is the operator\'s configuration: staging goes into the real directory below it', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const real = join(w.root, 'lustre-staging');
    mkdirSync(real);
    symlinkSync(real, w.stagingRoot);
    const finished = await ingestEnvoy(w, ['--calibration', dir]);
    expect([finished.code, reason(finished)]).toEqual([0, expect.any(String)]);
    expect(lstatSync(join(real, 'run')).isDirectory()).toBe(true);
    expect(readdirSync(join(real, 'run'))).toContain('ingestion-manifest.json');
    expect(ledgerEntries(w)).toHaveLength(1);
  });
});
