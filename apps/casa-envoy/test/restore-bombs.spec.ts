import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeGzipTar } from '@envoys/testing';
import { casaEnvoy, MODE_ARGS, reason } from './support/casa-envoy';
import { makeProcessingDir } from './support/processing-dir';

// A compressed calibration tar streams in bounded memory whatever its ratio (measured by
// tools/bench/restore-bomb.sh); what the tests see is the behaviour: a bomb is refused with 65 and one clear
// line while it is read, and nothing is left in products/.
describe('casa-envoy --restore on compressed calibration tars of any ratio', () => {
  const tars = tempDir('bomb-tars-');
  const zeros = join(tars, 'zeros.tgz');
  const sparse = join(tars, 'sparse.tgz');
  const twice = join(tars, 'twice.tgz');
  beforeAll(() => {
    // 630 MiB of zeros in a 0.6 MB .tgz: the tar that reached 680 MB of memory before it was refused.
    writeGzipTar(zeros, 'zeros', 630);
    writeGzipTar(sparse, 'sparse', 200);
    // A gzip of a gzipped tar: the inner stream would have been inflated in memory.
    writeGzipTar(join(tars, 'inner.tgz'), 'zeros', 8);
    execFileSync('sh', ['-c', `gzip -c "${join(tars, 'inner.tgz')}" > "${twice}"`]);
  });
  afterAll(() => rmSync(tars, { recursive: true, force: true }));

  function restoreDir(tar: string): string {
    const dir = makeProcessingDir({ mode: 'restore' });
    copyFileSync(tar, join(dir, 'rawdata', 'cal.caltables.tgz'));
    return dir;
  }

  it.each([['the run'], ['the dry run']])('a tar inflating more than 1000 times is refused with 65 while it is read, in %s', async (which) => {
    const dir = restoreDir(zeros);
    const dry = which === 'the dry run';
    const finished = await casaEnvoy(dir, [...MODE_ARGS.restore, ...(dry ? ['--dry-run'] : [])]);
    expect([finished.code, reason(finished)]).toEqual([
      65,
      expect.stringMatching(
        /^casa-envoy: tar \S+\/rawdata\/cal\.caltables\.tgz inflates to more than 1000 times its compressed size \(\d+ MiB from \d+ bytes\): refused as a compression bomb; nothing was extracted$/,
      ),
    ]);
    expect(existsSync(join(dir, 'products'))).toBe(false);
    // Nothing half-extracted hides anywhere in the processing directory either.
    expect(readdirSync(dir).sort()).toEqual(
      dry ? ['PPR.xml', 'metadata.json', 'rawdata'] : ['PPR.xml', 'casa-envoy-report.html', 'casa-envoy-report.json', 'casa-envoy-status.json', 'metadata.json', 'rawdata'],
    );
  });

  it('a gzip inside the gzip is refused with 65', async () => {
    const dir = restoreDir(twice);
    const finished = await casaEnvoy(dir, MODE_ARGS.restore);
    expect([finished.code, reason(finished)]).toEqual([65, expect.stringMatching(/cal\.caltables\.tgz is compressed twice .*; nothing was extracted$/)]);
    expect(existsSync(join(dir, 'products'))).toBe(false);
  });

  it('a 1 MB .tgz holding 200 MiB of mostly zeros (ratio below 1000) restores completely', async () => {
    const dir = restoreDir(sparse);
    const dry = await casaEnvoy(dir, [...MODE_ARGS.restore, '--dry-run']);
    expect([dry.code, dry.stdout]).toEqual([0, expect.stringMatching(/would extract 200 entries of \S+cal\.caltables\.tgz into products\//)]);
    const finished = await casaEnvoy(dir, MODE_ARGS.restore);
    expect([finished.code, reason(finished)]).toEqual([0, expect.any(String)]);
    const tables = readdirSync(join(dir, 'products', 'caltables'));
    expect(tables).toHaveLength(200);
    expect(tables.every((name) => statSync(join(dir, 'products', 'caltables', name)).size === 1024 * 1024)).toBe(true);
  });
});
