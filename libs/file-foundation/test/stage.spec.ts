import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { stageFile, stageTree } from '../src';
import { listTree, makeTemp, removeTemps } from './support/temp';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A processing directory with products, and a staging directory beside it (same file system). */
function setup(): { proc: string; products: string; staging: string; outside: string } {
  const top = makeTemp('stage-');
  const proc = join(top, 'tmpo1ca1pp_');
  const products = join(proc, 'products');
  const staging = join(top, 'staging', 'tmpo1ca1pp_');
  const outside = join(top, 'outside');
  mkdirSync(products, { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.fits'), 'secret');
  return { proc, products, staging, outside };
}

// /dev/shm is a tmpfs: a different file system from the temp directory, so link() really fails with EXDEV.
const otherFs = (() => {
  try {
    return statSync('/dev/shm').dev !== statSync(makeTemp('probe-')).dev ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
})();

describe('stageFile', () => {
  afterAll(removeTemps);

  it('hard links on the same file system and returns the checksum of the content', async () => {
    const { proc, products, staging } = setup();
    const data = randomBytes(300_000);
    writeFileSync(join(products, 'image.fits'), data);

    const staged = await stageFile(join(products, 'image.fits'), staging, undefined, { root: proc });

    expect(staged).toEqual({
      name: 'image.fits',
      path: join(staging, 'image.fits'),
      size: data.length,
      sha256: sha256(data),
      method: 'link',
    });
    expect(statSync(staged.path).ino).toBe(statSync(join(products, 'image.fits')).ino);
  });

  it('copies when asked (as across file systems): new inode, same bytes, verified checksum, no leftovers', async () => {
    const { proc, products, staging } = setup();
    const data = randomBytes(20 * 1024 * 1024 + 5);
    writeFileSync(join(products, 'big.tar'), data);

    const staged = await stageFile(join(products, 'big.tar'), staging, 'renamed.tar', { root: proc, method: 'copy' });

    expect(staged).toMatchObject({ name: 'renamed.tar', size: data.length, sha256: sha256(data), method: 'copy' });
    expect(statSync(staged.path).ino).not.toBe(statSync(join(products, 'big.tar')).ino);
    expect(readFileSync(staged.path).equals(data)).toBe(true);
    expect(readdirSync(staging)).toEqual(['renamed.tar']);
  });

  (otherFs ? it : it.skip)('falls back to a verified copy when link() fails across file systems (EXDEV)', async () => {
    const proc = join(makeTempOn(otherFs ?? '/dev/shm'), 'proc');
    mkdirSync(proc);
    const data = randomBytes(1_000_000);
    writeFileSync(join(proc, 'x.fits'), data);
    const staging = join(makeTemp('stage-'), 'staging');
    const staged = await stageFile(join(proc, 'x.fits'), staging, undefined, { root: proc });
    expect(staged).toMatchObject({ method: 'copy', sha256: sha256(data), size: data.length });
    expect(readFileSync(staged.path).equals(data)).toBe(true);
  });

  it('keeps names with spaces, quotes and newlines intact', async () => {
    const { proc, products, staging } = setup();
    const name = `it's a "quoted"\nname with spaces.fits`;
    writeFileSync(join(products, name), 'odd');
    for (const method of ['auto', 'copy'] as const) {
      const staged = await stageFile(join(products, name), join(staging, method), undefined, { root: proc, method });
      expect(staged.name).toBe(name);
      expect(readdirSync(join(staging, method))).toEqual([name]);
      expect(readFileSync(join(staging, method, name), 'utf8')).toBe('odd');
    }
  });

  it('refuses a symbolic link leading out of the processing directory, and follows one that stays in', async () => {
    const { proc, products, staging, outside } = setup();
    symlinkSync(join(outside, 'secret.fits'), join(products, 'evil.fits'));
    await expect(stageFile(join(products, 'evil.fits'), staging, undefined, { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringContaining('outside'),
    });
    symlinkSync(outside, join(proc, 'linked-dir'));
    await expect(
      stageFile(join(proc, 'linked-dir', 'secret.fits'), staging, undefined, { root: proc, method: 'copy' }),
    ).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput });
    expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);

    writeFileSync(join(products, 'real.fits'), 'real');
    symlinkSync('real.fits', join(products, 'alias.fits'));
    const staged = await stageFile(join(products, 'alias.fits'), staging, undefined, { root: proc });
    expect(readFileSync(staged.path, 'utf8')).toBe('real');
  });

  it('missing source is 66, a directory is 65, a bad staged name is 65', async () => {
    const { proc, products, staging } = setup();
    await expect(stageFile(join(products, 'none.fits'), staging, undefined, { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
    });
    await expect(stageFile(products, staging, undefined, { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
    });
    writeFileSync(join(products, 'a.fits'), 'a');
    await expect(stageFile(join(products, 'a.fits'), staging, '../a.fits', { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
    });
  });

  it('an abort in the middle of a copy leaves no partial file', async () => {
    const { proc, products, staging } = setup();
    // Sparse: reading it costs no disk and no memory, so the copy is still running when the abort comes.
    writeFileSync(join(products, 'huge.ms'), '');
    truncateSync(join(products, 'huge.ms'), 1024 * 1024 * 1024);
    mkdirSync(staging, { recursive: true });
    const controller = new AbortController();
    const staging$ = stageFile(join(products, 'huge.ms'), staging, undefined, {
      root: proc,
      method: 'copy',
      signal: controller.signal,
    });
    for (;;) {
      const partial = readdirSync(staging).find((name) => name.endsWith('.tmp'));
      if (partial && statSync(join(staging, partial)).size > 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    controller.abort(new Error('SIGTERM received'));
    await expect(staging$).rejects.toThrow('SIGTERM received');
    expect(readdirSync(staging)).toEqual([]);
  });
});

function makeTempOn(base: string): string {
  const dir = join(base, `envoys-ff-stage-${process.pid}-${Math.random().toString(16).slice(2)}`);
  mkdirSync(dir);
  registered.push(dir);
  return dir;
}
const registered: string[] = [];
afterAll(() => {
  for (const dir of registered) rmSync(dir, { recursive: true, force: true });
});

describe('stageTree', () => {
  afterAll(removeTemps);

  function sdm(proc: string): string {
    const dir = join(proc, 'rawdata', '17A-109.sb3.eb4.58000');
    mkdirSync(join(dir, 'ASDMBinary'), { recursive: true });
    writeFileSync(join(dir, 'ASDM.xml'), '<ASDM/>');
    writeFileSync(join(dir, 'Main.xml'), '<Main/>');
    writeFileSync(join(dir, 'ASDMBinary', 'uid___A002_X1_X2'), randomBytes(50_000));
    return dir;
  }

  it.each(['auto', 'copy'] as const)('stages a whole SDM directory (%s) with per-file checksums', async (method) => {
    const { proc, staging } = setup();
    const dir = sdm(proc);
    symlinkSync('Main.xml', join(dir, 'Main-alias.xml'));

    const tree = await stageTree(dir, staging, undefined, { root: proc, method });

    expect(tree).toMatchObject({ name: '17A-109.sb3.eb4.58000', path: join(staging, '17A-109.sb3.eb4.58000') });
    expect(tree.method).toBe(method === 'auto' ? 'link' : 'copy');
    const names = ['ASDM.xml', 'ASDMBinary/uid___A002_X1_X2', 'Main-alias.xml', 'Main.xml'];
    expect(tree.files.map((f) => f.name)).toEqual(names);
    for (const file of tree.files) expect(file.sha256).toBe(sha256(readFileSync(join(dir, file.name))));
    expect(tree.size).toBe(7 + 50_000 + 7 + 7);
    // The link's content is staged as a file: the staged tree does not depend on the processing directory.
    expect(listTree(tree.path)).toEqual(['ASDM.xml', 'ASDMBinary/', ...names.slice(1)]);
    expect(readdirSync(staging)).toEqual(['17A-109.sb3.eb4.58000']);
  });

  it('refuses a tree with a link out of the processing directory and leaves nothing behind', async () => {
    const { proc, staging, outside } = setup();
    const dir = sdm(proc);
    symlinkSync(join(outside, 'secret.fits'), join(dir, 'ASDMBinary', 'zz-evil'));
    await expect(stageTree(dir, staging, undefined, { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringContaining('zz-evil'),
    });
    expect(readdirSync(staging)).toEqual([]);
  });

  it('does not replace an already staged tree (73)', async () => {
    const { proc, staging } = setup();
    const dir = sdm(proc);
    await stageTree(dir, staging, undefined, { root: proc });
    await expect(stageTree(dir, staging, undefined, { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.CannotCreate,
    });
  });
});
