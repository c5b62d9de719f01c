import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directoryOnAnotherFileSystem, hasPrlimit, mountTmpfs, tempDir, waitFor } from '@envoys/testing';
import { calibrationDir, imageDir, sparseFile } from './support/fixtures';
import { inputFingerprint, ingestEnvoy, ingestEnvoyUnderFileSizeLimit, readReport, reason, startIngestEnvoy, type IngestWorld } from './support/ingest-envoy';

const MiB = 1024 * 1024;

function world(root = tempDir('ingest-staging-'), stagingRoot = join(root, 'staging')): IngestWorld {
  return { root, stagingRoot, ledger: join(root, 'ledger.jsonl') };
}

/** Nothing half-written: no hidden temporary file anywhere below `dir`. */
function temporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => /(^|\/)\.[^/]*\.tmp(\.previous)?$/.test(name));
}

describe('staging across file systems, on a full disk and under signals (CONTRACT 3.6, 5.2)', () => {
  const tmpfs = mountTmpfs(1 * MiB, 'ingest-full-');
  const other = directoryOnAnotherFileSystem(tmpdir(), 'ingest-other-');
  afterAll(() => {
    tmpfs?.unmount();
    other?.cleanup();
  });

  it('a disk that fills up while the caltables tar is written is 73 and leaves no partial file', async () => {
    const w = tmpfs ? world(tempDir('ingest-full-'), tmpfs.dir) : world();
    const dir = calibrationDir(join(w.root, 'run'));
    writeFileSync(join(dir, 'products', 'big.caltable'), Buffer.alloc(3 * MiB, 9));
    const before = inputFingerprint(dir);
    let finished;
    if (tmpfs) finished = await ingestEnvoy(w, ['--calibration', dir]);
    else if (hasPrlimit()) finished = await ingestEnvoyUnderFileSizeLimit(w, MiB, ['--calibration', dir]);
    else return console.warn('skipped: neither a tmpfs mount nor prlimit is available here');
    expect([finished.code, reason(finished)]).toEqual([73, expect.stringMatching(/caltables\.tar: (no space left on device \(ENOSPC\)|file too large \(EFBIG\))/)]);
    const staged = join(w.stagingRoot, 'run');
    expect(temporaries(w.stagingRoot)).toEqual([]);
    // No tar, no manifest; only the run's record, so that the next run removes what this one staged.
    expect(existsSync(staged) ? readdirSync(staged).filter((name) => name.endsWith('.tar') || name.endsWith('.json')) : []).toEqual(['.ingest-envoy.attempt.json']);
    expect(inputFingerprint(dir)).toEqual(before);
    expect(readReport(dir).steps.find((step) => step.name === 'stage-products')?.status).toBe('failed');
  });

  it('a disk that fills up while a product is copied is 73 and leaves no partial file', async () => {
    if (!tmpfs) return console.warn('skipped: no tmpfs mount here (the tar case above covers the file-size limit)');
    const w = world(tempDir('ingest-full-copy-'), tmpfs.dir);
    const dir = imageDir(join(w.root, 'run'));
    writeFileSync(join(dir, 'products', 'a-big-image.fits'), Buffer.alloc(3 * MiB, 5));
    const finished = await ingestEnvoy(w, ['--image', dir]);
    // Tars are written alongside the copies: whichever fills the disk first is named.
    expect([finished.code, reason(finished)]).toEqual([73, expect.stringMatching(/cannot write .*: no space left on device \(ENOSPC\)/)]);
    expect(temporaries(w.stagingRoot)).toEqual([]);
    expect(existsSync(join(w.stagingRoot, 'run', 'a-big-image.fits'))).toBe(false);
  });

  it('on another file system products are copied, verified and listed with their checksums', async () => {
    if (!other) return console.warn('skipped: no second file system here');
    const w = world(other.dir, join(tempDir('ingest-copy-'), 'staging'));
    const dir = imageDir(join(w.root, 'copied'));
    const finished = await ingestEnvoy(w, ['--image', dir]);
    expect([finished.code, finished.stderr]).toEqual([0, expect.any(String)]);
    const files = readReport(dir).details.staging?.files ?? [];
    const images = files.filter((file) => file.name.endsWith('.fits'));
    expect(images.length).toBeGreaterThan(0);
    for (const file of images) {
      expect(file.method).toBe('copy');
      const path = join(w.stagingRoot, 'copied', file.name);
      expect(file.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
      expect(statSync(path).ino).not.toBe(statSync(join(dir, 'products', file.name)).ino);
    }
  });

  it('SIGTERM during a long copy stops the staging at once: exit 143, no partial file', async () => {
    if (!other) return console.warn('skipped: no second file system here');
    const w = world(other.dir, join(tempDir('ingest-sigterm-'), 'staging'));
    const dir = imageDir(join(w.root, 'slow'));
    // Sparse: costs nothing where it lies, but the copy writes every byte.
    sparseFile(join(dir, 'products', 'big.fits'), 4 * 1024 * MiB);
    const envoy = startIngestEnvoy(w, ['--image', dir]);
    const staging = join(w.stagingRoot, 'slow');
    await waitFor(() => temporaries(staging).length > 0, 20000, 'the copy to start');
    envoy.process.kill('SIGTERM');
    const finished = await envoy.finished;
    expect([finished.code, reason(finished)]).toEqual([143, expect.stringMatching(/stopped by SIGTERM while staging/)]);
    expect(finished.ms).toBeLessThan(15000);
    expect(temporaries(staging)).toEqual([]);
    expect(readdirSync(staging)).not.toContain('big.fits');
    expect(readdirSync(staging)).not.toContain('ingestion-manifest.json');
    expect(statSync(join(dir, 'products', 'big.fits')).size).toBe(4 * 1024 * MiB);
    expect(readReport(dir)).toMatchObject({ status: 'failed', exitCode: 143, signal: 'SIGTERM' });
  });
});
