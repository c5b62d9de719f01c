import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, treeFingerprint, type Finished } from '@envoys/testing';
import { NEWEST_RUN, SDM_ID, calibrationDir, imageDir, observationDir, symlink } from './support/fixtures';
import { inputFingerprint, ingestEnvoy, ledgerEntries, readReport, reason, tarMembers, type IngestWorld } from './support/ingest-envoy';

function world(): IngestWorld {
  const root = tempDir('ingest-hostile-');
  return { root, stagingRoot: join(root, 'staging'), ledger: join(root, 'ledger.jsonl') };
}

/** A refused run: its exit status, its one-line reason, inputs untouched and nothing staged. */
async function expectRefused(w: IngestWorld, dir: string, args: string[], code: number, message: RegExp, env: Record<string, string | undefined> = {}): Promise<Finished> {
  const before = inputFingerprint(dir);
  const finished = await ingestEnvoy(w, args, env);
  expect([finished.code, reason(finished)]).toEqual([code, expect.stringMatching(message)]);
  expect(inputFingerprint(dir)).toEqual(before);
  expect(existsSync(join(w.stagingRoot, 'run'))).toBe(false);
  expect(ledgerEntries(w)).toEqual([]);
  return finished;
}

describe('hostile and broken inputs (CONTRACT 3.3, 3.6, 5)', () => {
  it('metadata without projectMetadata.telescope is 65 naming the field', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'), { telescope: null });
    await expectRefused(w, dir, ['--calibration', dir], 65, /metadata\.json: field projectMetadata\.telescope is missing/);
  });

  it('metadata without the locator is 65 (calibration: productLocator; image: calProductLocator); every problem is listed', async () => {
    const w = world();
    const cal = calibrationDir(join(w.root, 'run'), { productLocator: null, telescope: null });
    const finished = await expectRefused(w, cal, ['--calibration', cal], 65, /projectMetadata\.telescope is missing/);
    expect(finished.stderr).toMatch(/field productLocator is missing/);
    rmSync(cal, { recursive: true });
    const img = imageDir(join(w.root, 'run'), { calProductLocator: null });
    await expectRefused(w, img, ['--image', img], 65, /field calProductLocator is missing/);
  });

  it('a calibration whose productLocator is not an execution block is 65', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'), { productLocator: 'uid://evla/image/0f0f' });
    await expectRefused(w, dir, ['--calibration', dir], 65, /productLocator "uid:\/\/evla\/image\/0f0f" is not an execution block locator/);
  });

  it('a missing metadata.json or processing directory is 66', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    rmSync(join(dir, 'metadata.json'));
    await expectRefused(w, dir, ['--calibration', dir], 66, /metadata\.json does not exist/);
    const missing = await ingestEnvoy(w, ['--calibration', join(w.root, 'nowhere')]);
    expect([missing.code, reason(missing)]).toEqual([66, expect.stringMatching(/processing directory .*nowhere does not exist/)]);
  });

  it('malformed metadata.json is 65', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    copyFileSync(join(dir, 'metadata.json'), join(w.root, 'good-metadata.json'));
    writeFileSync(join(dir, 'metadata.json'), '{\n  "fileSetIds": [\n  }');
    await expectRefused(w, dir, ['--calibration', dir], 65, /metadata\.json:3:3: not valid JSON: unexpected "}"/);
    // A byte order mark (some editors write one) is not an error, as for casa-envoy.
    writeFileSync(join(dir, 'metadata.json'), `\uFEFF${readFileSync(join(dir, '..', 'good-metadata.json'), 'utf8')}`);
    const withBom = await ingestEnvoy(w, ['--dry-run', '--calibration', dir]);
    expect([withBom.code, withBom.stderr]).toEqual([0, '']);
  });

  it('empty or missing products/ is 66; products with only weblog archives is 66; images without a science FITS is 66', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    rmSync(join(dir, 'products'), { recursive: true });
    mkdirSync(join(dir, 'products'));
    await expectRefused(w, dir, ['--calibration', dir], 66, /products is empty: there are no products to ingest/);
    rmSync(join(dir, 'products'), { recursive: true });
    await expectRefused(w, dir, ['--calibration', dir], 66, /products does not exist/);
    mkdirSync(join(dir, 'products'));
    writeFileSync(join(dir, 'products', 'weblog.tgz'), 'old');
    await expectRefused(w, dir, ['--calibration', dir], 66, /holds no calibration products/);
    await expectRefused(w, dir, ['--image', dir], 66, /holds no science image/);
  });

  it('no weblog is 66: no pipeline run at all, or a newest run without html/ (an older weblog is never used instead)', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    rmSync(join(dir, 'working', 'pipeline-20240305T120000', 'html'), { recursive: true });
    await expectRefused(w, dir, ['--calibration', dir], 66, /no weblog: the newest pipeline run pipeline-20240305T120000 has no html\//);
    for (const name of readdirSync(join(dir, 'working'))) if (name.startsWith('pipeline-')) rmSync(join(dir, 'working', name), { recursive: true });
    await expectRefused(w, dir, ['--calibration', dir], 66, /no weblog: .*working has no pipeline-<YYYYMMDDTHHMMSS> directory/);
  });

  it('an image ancillary without its science image is 65', async () => {
    const w = world();
    const dir = imageDir(join(w.root, 'run'));
    writeFileSync(join(dir, 'products', 'lonely.rms.fits'), 'rms of nothing');
    await expectRefused(w, dir, ['--image', dir], 65, /lonely\.rms\.fits is an image ancillary without its science image/);
  });

  it('a symlink in products/ (or in the SDM) pointing outside the processing directory is refused, not followed (65)', async () => {
    const w = world();
    const secret = join(w.root, 'elsewhere', 'secret.fits');
    mkdirSync(join(w.root, 'elsewhere'));
    writeFileSync(secret, 'not a product of this run');
    const dir = imageDir(join(w.root, 'run'));
    symlink(secret, join(dir, 'products', 'stolen.fits'));
    await expectRefused(w, dir, ['--image', dir], 65, /symlink .*products\/stolen\.fits points outside the processing directory/);
    await expectRefused(w, dir, ['--calibration', dir], 65, /points outside the processing directory/);
    rmSync(join(dir, 'products', 'stolen.fits'));
    symlink('../../../elsewhere', join(dir, 'products', 'deep', 'dir-link'));
    await expectRefused(w, dir, ['--calibration', dir], 65, /products\/deep\/dir-link points outside/);

    const obs = observationDir(join(w.root, 'obs'));
    symlink(secret, join(obs, 'rawdata', SDM_ID, 'ASDMBinary', 'stolen.bdf'));
    const finished = await ingestEnvoy(w, ['--observation', obs, SDM_ID]);
    expect([finished.code, reason(finished)]).toEqual([65, expect.stringMatching(/stolen\.bdf points outside the processing directory/)]);
    expect(existsSync(join(w.stagingRoot, 'obs'))).toBe(false);
  });

  it('a dangling symlink in products/, in the SDM or in the weblog is refused as one pointing outside (65)', async () => {
    const w = world();
    const dangling = /^ingest-envoy: symlink \S+ is dangling \(its target does not exist\): refused$/;
    const dir = imageDir(join(w.root, 'run'));
    symlink('gone.fits', join(dir, 'products', 'gone-link.fits'));
    await expectRefused(w, dir, ['--image', dir], 65, dangling);
    await expectRefused(w, dir, ['--calibration', dir], 65, dangling);
    rmSync(join(dir, 'products', 'gone-link.fits'));
    symlink('nothing', join(dir, 'working', NEWEST_RUN, 'html', 'gone.html'));
    await expectRefused(w, dir, ['--image', dir], 65, dangling);

    const obs = observationDir(join(w.root, 'obs'));
    symlink('nothing', join(obs, 'rawdata', SDM_ID, 'ASDMBinary', 'gone.bdf'));
    const finished = await ingestEnvoy(w, ['--observation', obs, SDM_ID]);
    expect([finished.code, reason(finished)]).toEqual([65, expect.stringMatching(dangling)]);
    expect(existsSync(join(w.stagingRoot, 'obs'))).toBe(false);
  });

  it('a symlink inside the processing directory is followed: the staged file is its target', async () => {
    const w = world();
    const dir = imageDir(join(w.root, 'run'));
    writeFileSync(join(dir, 'working', 'extra.fits'), 'an image kept in working/');
    symlink('../working/extra.fits', join(dir, 'products', 'extra.fits'));
    const finished = await ingestEnvoy(w, ['--image', dir]);
    expect([finished.code, finished.stderr]).toEqual([0, expect.any(String)]);
    expect(readdirSync(join(w.stagingRoot, 'run'))).toContain('extra.fits');
  });

  it('a symlink inside the processing directory goes into the caltables tar as what it points to, not as a link', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    mkdirSync(join(dir, 'working', 'kept.finalBPcal.b'));
    writeFileSync(join(dir, 'working', 'kept.finalBPcal.b', 'table.dat'), 'kept table');
    writeFileSync(join(dir, 'working', 'kept.calapply.txt'), 'kept calapply');
    symlink('../working/kept.finalBPcal.b', join(dir, 'products', 'linked.finalBPcal.b'));
    symlink('../working/kept.calapply.txt', join(dir, 'products', 'linked.calapply.txt'));
    const before = inputFingerprint(dir);
    const finished = await ingestEnvoy(w, ['--calibration', dir]);
    expect([finished.code, finished.stderr]).toEqual([0, expect.any(String)]);
    const name = readdirSync(join(w.stagingRoot, 'run')).find((file) => file.endsWith('.caltables.tar')) ?? '';
    // A link stored as a link would point at ../working/..., which is not in the archive.
    const members = tarMembers(join(w.stagingRoot, 'run', name));
    expect(members.get('linked.finalBPcal.b/table.dat')?.toString()).toBe('kept table');
    expect(members.get('linked.calapply.txt')?.toString()).toBe('kept calapply');
    expect(inputFingerprint(dir)).toEqual(before);
  });

  it('an SDM_ID that is a path is 65; a missing SDM is 66', async () => {
    const w = world();
    const dir = observationDir(join(w.root, 'run'));
    await expectRefused(w, dir, ['--observation', dir, '../run'], 65, /SDM_ID "\.\.\/run" is not a plain file name/);
    await expectRefused(w, dir, ['--observation', dir, 'no-such-sdm'], 66, /rawdata\/no-such-sdm does not exist/);
  });

  it('no staging root setting is 65 naming the key; a staging root that cannot be created is 73', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    await expectRefused(w, dir, ['--calibration', dir], 65, /setting envoys\.ingest\.stagingRoot is required.*ENVOY_INGEST_STAGING_ROOT/, { ENVOY_INGEST_STAGING_ROOT: undefined });
    // A regular file where a directory must be: no write can succeed, also for root.
    writeFileSync(join(w.root, 'a-file'), '');
    await expectRefused(w, dir, ['--calibration', dir], 73, /cannot create staging directory .*a-file is not a directory/, {
      ENVOY_INGEST_STAGING_ROOT: join(w.root, 'a-file', 'staging'),
    });
    if (process.getuid?.() !== 0) {
      mkdirSync(join(w.root, 'locked'));
      chmodSync(join(w.root, 'locked'), 0o555);
      await expectRefused(w, dir, ['--calibration', dir], 73, /permission denied/, { ENVOY_INGEST_STAGING_ROOT: join(w.root, 'locked') });
    }
    expect(readReport(dir).exitCode).toBe(73);
  });

  it('a staging root inside the processing directory is 65: staging must never write into the inputs', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    await expectRefused(w, dir, ['--calibration', dir], 65, /staging directory .*run\/products\/run .*lies inside the processing directory/, {
      ENVOY_INGEST_STAGING_ROOT: join(dir, 'products'),
    });
  });

  it('a missing ingest command is 69 before anything is staged', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    await expectRefused(w, dir, ['--calibration', dir], 69, /ingest command "no-such-ingest" not found on PATH/, { ENVOY_INGEST_COMMAND: 'no-such-ingest' });
    await expectRefused(w, dir, ['--calibration', dir], 69, /ingest command \/nonexistent\/ingest .* is not an executable file/, { ENVOY_INGEST_COMMAND: '/nonexistent/ingest' });
  });

  it('ingest failing is 70, and the staging directory is kept for inspection', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const finished = await ingestEnvoy(w, ['--calibration', dir], { INGEST_EMULATOR_SCENARIO: 'fail' });
    expect([finished.code, reason(finished)]).toEqual([70, expect.stringMatching(/exited with status 1; staging directory kept for inspection: .*staging\/run/)]);
    expect(finished.stderr).toContain('NGAS refused the ingestion');
    expect(readdirSync(join(w.stagingRoot, 'run'))).toContain('ingestion-manifest.json');
    expect(ledgerEntries(w)).toEqual([]);
    expect(readReport(dir)).toMatchObject({ status: 'failed', exitCode: 70, launch: { exitCode: 1 } });
  });

  it('a staging directory whose manifest the envoy would have to overwrite is left alone on every refusal', async () => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    mkdirSync(join(w.stagingRoot, 'run'), { recursive: true });
    writeFileSync(join(w.stagingRoot, 'run', 'ingestion-manifest.json'), '{"from":"an earlier ingestion"}');
    const before = treeFingerprint(w.stagingRoot);
    const finished = await ingestEnvoy(w, ['--calibration', dir]);
    expect(finished.code).toBe(65);
    expect(treeFingerprint(w.stagingRoot)).toEqual(before);
  });
});

// Settings files must be regular files of a sane size (65 naming the file), and never hang the envoy.
describe('hostile CAPO properties files', () => {
  const cases: [string, (file: string) => void, string][] = [
    ['a FIFO', (file) => execFileSync('mkfifo', [file]), 'is a FIFO (named pipe), not a regular file'],
    ['a symbolic link to /dev/zero', (file) => symlinkSync('/dev/zero', file), 'is a character device, not a regular file'],
    ['a directory', (file) => mkdirSync(file), 'is a directory, not a file'],
    ['a 600 MB file', (file) => { writeFileSync(file, 'envoys.ingest.timeoutMinutes = 5\n'); truncateSync(file, 600 * 1024 * 1024); }, 'is larger than 4 MiB, too large for this kind of file'],
  ];

  it.each(cases)('%s in CAPO_PATH is refused at once with 65 naming it', async (_name, make, problem) => {
    const w = world();
    const dir = calibrationDir(join(w.root, 'run'));
    const site = join(w.root, 'capo');
    mkdirSync(site);
    const file = join(site, 'test.properties');
    make(file);
    await expectRefused(w, dir, ['--calibration', dir], 65, new RegExp(`^ingest-envoy: CAPO properties file ${file}: ${problem.replace(/[()]/g, '\\$&')}$`), {
      CAPO_PROFILE: 'test',
      CAPO_PATH: site,
    });
  });
});
