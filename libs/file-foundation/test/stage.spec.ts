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
import { stageFile, stageFiles, stageTree } from '../src';
import { listTree, makeTemp, removeTemps } from './support/temp';

/** Resolves once a temporary file below `dir` provably holds data: a copy is under way. */
async function partialFileIn(dir: string): Promise<void> {
  for (;;) {
    const partial = readdirSync(dir).find((name) => name.endsWith('.tmp'));
    if (partial && statSync(join(dir, partial)).size > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

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
    await partialFileIn(staging);
    controller.abort(new Error('SIGTERM received'));
    await expect(staging$).rejects.toThrow('SIGTERM received');
    expect(readdirSync(staging)).toEqual([]);
  });
});

describe('stageFiles', () => {
  afterAll(removeTemps);

  /** Hidden temporary names (`.name.pid.random.tmp`) left anywhere below `dir`. */
  function temporaries(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => /(^|\/)\.[^/]*\.tmp$/.test(name));
  }

  function products(dir: string, count: number): Record<string, Buffer> {
    const files: Record<string, Buffer> = {};
    for (let index = 0; index < count; index++) {
      const data = randomBytes(1000 + index);
      files[`image${index}.fits`] = data;
      writeFileSync(join(dir, `image${index}.fits`), data);
    }
    return files;
  }

  it("links a batch in order; with checksum 'copies' a link reads no byte and carries no checksum", async () => {
    const { proc, products: dir, staging } = setup();
    const files = products(dir, 20);
    const names = Object.keys(files).reverse();
    const heard: string[] = [];
    let bytes = 0;
    const staged = await stageFiles(
      names.map((name) => ({ source: join(dir, name), name: `staged-${name}` })),
      staging,
      { root: proc, checksum: 'copies', onProgress: (count) => (bytes += count), onStaged: (file) => heard.push(file.name) },
    );
    expect(staged.map((file) => file.name)).toEqual(names.map((name) => `staged-${name}`));
    for (const [index, file] of staged.entries()) {
      expect(file).toEqual({ name: `staged-${names[index]}`, path: join(staging, file.name), size: files[names[index] ?? '']?.length, method: 'link' });
      expect(statSync(file.path).ino).toBe(statSync(join(dir, names[index] ?? '')).ino);
    }
    expect(heard.sort()).toEqual(staged.map((file) => file.name).sort());
    expect(bytes).toBe(Object.values(files).reduce((sum, data) => sum + data.length, 0));
  });

  it("copies carry their checksum also with checksum 'copies'; progress comes as the bytes are copied", async () => {
    const { proc, products: dir, staging } = setup();
    const data = randomBytes(20 * 1024 * 1024 + 3);
    writeFileSync(join(dir, 'big.fits'), data);
    const progress: number[] = [];
    const [staged] = await stageFiles([{ source: join(dir, 'big.fits') }], staging, {
      root: proc,
      method: 'copy',
      checksum: 'copies',
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(staged).toMatchObject({ name: 'big.fits', size: data.length, sha256: sha256(data), method: 'copy' });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.reduce((sum, bytes) => sum + bytes, 0)).toBe(data.length);
  });

  it('checks every source before placing any: one bad source or a name used twice stages nothing', async () => {
    const { proc, products: dir, staging, outside } = setup();
    products(dir, 5);
    symlinkSync(join(outside, 'secret.fits'), join(dir, 'zz-evil.fits'));
    const sources = readdirSync(dir).map((name) => ({ source: join(dir, name) }));
    await expect(stageFiles(sources, staging, { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringContaining('zz-evil.fits'),
    });
    await expect(
      stageFiles([{ source: join(dir, 'image0.fits'), name: 'x.fits' }, { source: join(dir, 'image1.fits'), name: 'x.fits' }], staging, { root: proc }),
    ).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput, message: expect.stringContaining('"x.fits"') });
    await expect(stageFiles([{ source: join(dir, 'image0.fits') }, { source: join(dir, 'gone.fits') }], staging, { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
    });
    expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
  });

  it('staging the same files again (a re-ingestion) leaves them as they are and no temporary name behind', async () => {
    const { proc, products: dir, staging } = setup();
    const files = products(dir, 3);
    const sources = Object.keys(files).map((name) => ({ source: join(dir, name) }));
    await stageFiles(sources, staging, { root: proc, checksum: 'copies' });
    // rename() between two links of one inode does nothing: a temporary link would stay behind.
    const again = await stageFiles(sources, staging, { root: proc });
    expect(again.map((file) => [file.method, file.sha256])).toEqual(Object.values(files).map((data) => ['link', sha256(data)]));
    expect(readdirSync(staging).sort()).toEqual(Object.keys(files).sort());
    expect(temporaries(staging)).toEqual([]);
  });

  it('replaces an earlier, different file of the same name in one step', async () => {
    const { proc, products: dir, staging } = setup();
    writeFileSync(join(dir, 'image.fits'), 'new');
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'image.fits'), 'old');
    const [staged] = await stageFiles([{ source: join(dir, 'image.fits') }], staging, { root: proc });
    expect(staged?.method).toBe('link');
    expect(readFileSync(join(staging, 'image.fits'), 'utf8')).toBe('new');
    expect(readdirSync(staging)).toEqual(['image.fits']);
  });

  it('refuses to stage a file onto itself (the staging directory is the source directory)', async () => {
    const { proc, products: dir } = setup();
    writeFileSync(join(dir, 'image.fits'), 'data');
    for (const method of ['auto', 'copy'] as const) {
      await expect(stageFiles([{ source: join(dir, 'image.fits') }], dir, { root: proc, method })).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringContaining('onto itself'),
      });
    }
    expect(readdirSync(dir)).toEqual(['image.fits']);
    expect(readFileSync(join(dir, 'image.fits'), 'utf8')).toBe('data');
  });

  it('an abort stops the batch: no copy is left half-written', async () => {
    const { proc, products: dir, staging } = setup();
    for (let index = 0; index < 3; index++) {
      writeFileSync(join(dir, `huge${index}.ms`), '');
      truncateSync(join(dir, `huge${index}.ms`), 1024 * 1024 * 1024);
    }
    mkdirSync(staging, { recursive: true });
    const controller = new AbortController();
    const sources = [0, 1, 2].map((index) => ({ source: join(dir, `huge${index}.ms`) }));
    const staging$ = stageFiles(sources, staging, { root: proc, method: 'copy', signal: controller.signal });
    await partialFileIn(staging);
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

  it('refuses a dangling link, in a tree or as a file, with 65 as one leading outside', async () => {
    const { proc, staging } = setup();
    const dir = sdm(proc);
    symlinkSync('gone', join(dir, 'ASDMBinary', 'dangling'));
    const dangling = /^symlink \S+\/ASDMBinary\/dangling is dangling \(its target does not exist\): refused$/;
    await expect(stageTree(dir, staging, undefined, { root: proc })).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput, message: expect.stringMatching(dangling) });
    await expect(stageFile(join(dir, 'ASDMBinary', 'dangling'), staging, undefined, { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringMatching(dangling),
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

  it('with replace, swaps a new tree in for the staged one and removes the old one after', async () => {
    const { proc, staging } = setup();
    const dir = sdm(proc);
    const first = await stageTree(dir, staging, undefined, { root: proc, method: 'copy' });
    rmSync(join(dir, 'Main.xml'));
    writeFileSync(join(dir, 'Added.xml'), '<Added/>');
    const progress: number[] = [];
    const second = await stageTree(dir, staging, undefined, {
      root: proc,
      replace: true,
      checksum: 'copies',
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(second.path).toBe(first.path);
    expect(listTree(second.path)).toEqual(['ASDM.xml', 'ASDMBinary/', 'ASDMBinary/uid___A002_X1_X2', 'Added.xml']);
    // Linked with checksum 'copies': no checksum, no byte read.
    expect(second.files.map((file) => [file.name, file.method, file.sha256])).toEqual([
      ['ASDM.xml', 'link', undefined],
      ['ASDMBinary/uid___A002_X1_X2', 'link', undefined],
      ['Added.xml', 'link', undefined],
    ]);
    expect(progress.reduce((sum, bytes) => sum + bytes, 0)).toBe(second.size);
    // Only the staged tree: the old one (renamed aside) and the temporary one are gone.
    expect(readdirSync(staging)).toEqual(['17A-109.sb3.eb4.58000']);
  });

  it('a failed replacement leaves the staged tree as it was', async () => {
    const { proc, staging, outside } = setup();
    const dir = sdm(proc);
    await stageTree(dir, staging, undefined, { root: proc });
    const before = listTree(join(staging, '17A-109.sb3.eb4.58000'));
    symlinkSync(join(outside, 'secret.fits'), join(dir, 'zz-evil'));
    await expect(stageTree(dir, staging, undefined, { root: proc, replace: true })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
    });
    expect(listTree(join(staging, '17A-109.sb3.eb4.58000'))).toEqual(before);
    expect(readdirSync(staging)).toEqual(['17A-109.sb3.eb4.58000']);
  });
});
