import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
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
import { gunzipSync } from 'node:zlib';
import { ExitCode } from '@envoys/envoy-core';
import { createTar, createTarOfBytes, extractSafely } from '../src';
import { gnuTar } from './support/commands';
import { listTree, makeTemp, removeTemps } from './support/temp';

const LONG = `${'very-long-directory-name-'.repeat(5)}/${'and-a-long-file-name-'.repeat(6)}.fits`;
const ODD = `it's a "quoted" name\nwith a newline and ü.txt`;

/** A products directory with the awkward cases: long and odd names, empty files, links, nesting. */
function products(dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    'b.tar': randomBytes(100_000),
    'a/nested/deep.dat': randomBytes(512),
    'a/empty.txt': Buffer.alloc(0),
    [LONG]: randomBytes(1000),
    [ODD]: Buffer.from('odd'),
  };
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  symlinkSync('nested/deep.dat', join(dir, 'a', 'link'));
  linkSync(join(dir, 'b.tar'), join(dir, 'b-again.tar'));
  return files;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('createTar', () => {
  afterAll(removeTemps);

  it('round trip: GNU tar and extractSafely read back every member, in byte order of the names', async () => {
    const top = makeTemp('mktar-');
    const source = join(top, 'products');
    mkdirSync(source);
    const files = products(source);
    const target = join(top, 'out', 'cal.caltables.tar');
    mkdirSync(join(top, 'out'));

    const made = await createTar({ cwd: source, entries: ['.'], target });

    expect(made).toEqual({ target, size: statSync(target).size, sha256: sha256(target), members: 10 });
    const listed = gnuTar(['-tf', target]).split('\n').filter(Boolean);
    // Newlines in names come back escaped from GNU tar's listing.
    const longDirectory = `${LONG.split('/')[0]}/`;
    const expected = ['a/', 'a/empty.txt', 'a/link', 'a/nested/', 'a/nested/deep.dat', 'b-again.tar', 'b.tar'];
    expected.push(ODD.replace('\n', '\\n'), longDirectory, LONG);
    expect(listed).toEqual(expected.sort((x, y) => (x < y ? -1 : 1)));
    const viaGnu = join(top, 'via-gnu');
    mkdirSync(viaGnu);
    gnuTar(['-xf', target, '-C', viaGnu]);
    const viaUs = join(top, 'via-us');
    await extractSafely(target, viaUs);
    for (const dir of [viaGnu, viaUs]) {
      for (const [path, data] of Object.entries(files)) expect(readFileSync(join(dir, path)).equals(data)).toBe(true);
      expect(statSync(join(dir, 'b-again.tar')).ino).toBe(statSync(join(dir, 'b.tar')).ino);
      expect(listTree(dir)).toEqual(listTree(source));
    }
  });

  it('returns the checksum of the file written, for a small tar (hashed inline) and a large one (on the hashing thread)', async () => {
    const top = makeTemp('mktar-');
    for (const size of [1000, 12 * 1024 * 1024 + 1]) {
      const source = join(top, `src-${size}`);
      mkdirSync(source);
      writeFileSync(join(source, 'a.dat'), randomBytes(size));
      writeFileSync(join(source, 'b.dat'), randomBytes(size >> 1));
      const target = join(top, `t-${size}.tar`);
      const made = await createTar({ cwd: source, entries: ['.'], target });
      expect(made).toEqual({ target, size: statSync(target).size, sha256: sha256(target), members: 2 });
      expect(gnuTar(['-tf', target])).toBe('a.dat\nb.dat\n');
    }
  });

  it('is deterministic: the same tree gives the same bytes', async () => {
    const top = makeTemp('mktar-');
    products(top);
    const first = await createTar({ cwd: top, entries: ['a', 'b.tar'], target: join(top, 'one.tar') });
    const second = await createTar({ cwd: top, entries: ['a', 'b.tar'], target: join(top, 'two.tar') });
    expect(second.sha256).toBe(first.sha256);
    // Entries keep the caller's order; an entry inside another is stored once.
    const again = await createTar({ cwd: top, entries: ['b.tar', 'a', 'a/empty.txt'], target: join(top, 'three.tar') });
    expect(gnuTar(['-tf', again.target]).split('\n')[0]).toBe('b.tar');
    expect(again.members).toBe(first.members);
  });

  it('writes a gzip tar whose returned checksum is that of the compressed file', async () => {
    const top = makeTemp('mktar-');
    const html = join(top, 'pipeline-20240101T000000', 'html');
    mkdirSync(html, { recursive: true });
    writeFileSync(join(html, 'index.html'), '<html>weblog</html>'.repeat(1000));
    const target = join(top, 'weblog.tgz');
    const made = await createTar({ cwd: join(top, 'pipeline-20240101T000000'), entries: ['html'], target, gzip: true });
    expect(made.sha256).toBe(sha256(target));
    expect(made.size).toBe(statSync(target).size);
    expect(made.size).toBeLessThan(19000);
    expect(gunzipSync(readFileSync(target)).length % 512).toBe(0);
    expect(gnuTar(['-tzf', target])).toBe('html/\nhtml/index.html\n');
  });

  it('replaces an existing tar only when the new one is complete', async () => {
    const top = makeTemp('mktar-');
    writeFileSync(join(top, 'x.txt'), 'x');
    const target = join(top, 'x.tar');
    writeFileSync(target, 'old tar');
    await createTar({ cwd: top, entries: ['x.txt'], target });
    expect(gnuTar(['-tf', target])).toBe('x.txt\n');
  });

  it('an abort mid-write leaves no tar and no temporary file', async () => {
    const top = makeTemp('mktar-');
    const source = join(top, 'src');
    mkdirSync(source);
    // Sparse files: big to read, cheap to make.
    for (let i = 0; i < 8; i++) {
      writeFileSync(join(source, `big${i}.dat`), '');
      truncateSync(join(source, `big${i}.dat`), 128 * 1024 * 1024);
    }
    const out = join(top, 'out');
    mkdirSync(out);
    const controller = new AbortController();
    const making = createTar({ cwd: source, entries: ['.'], target: join(out, 'big.tar'), signal: controller.signal });
    // Abort once the temporary file provably holds data.
    for (;;) {
      const partial = readdirSync(out).find((name) => name.endsWith('.tmp'));
      if (partial && statSync(join(out, partial)).size > 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    controller.abort(new Error('SIGTERM received'));
    await expect(making).rejects.toThrow('SIGTERM received');
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses entries outside cwd (65), missing entries (66) and FIFOs (65), writing nothing', async () => {
    const top = makeTemp('mktar-');
    const source = join(top, 'src');
    mkdirSync(source);
    writeFileSync(join(top, 'secret'), 's');
    symlinkSync(top, join(source, 'up'));
    const target = join(top, 'x.tar');
    for (const entries of [['../secret'], ['/etc/passwd'], ['up/secret']]) {
      await expect(createTar({ cwd: source, entries, target })).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
      });
    }
    await expect(createTar({ cwd: source, entries: ['missing.fits'], target })).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
    });
    execFileSync('mkfifo', [join(source, 'pipe')]);
    await expect(createTar({ cwd: source, entries: ['.'], target })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringContaining('FIFO'),
    });
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(top).sort()).toEqual(['secret', 'src']);
  });
  describe('with dereferenceWithin', () => {
    /** A processing directory whose products link into working/ (inside) and to a secret (outside). */
    function processingDir(): { proc: string; products: string; outside: string } {
      const top = makeTemp('mktar-deref-');
      const proc = join(top, 'proc');
      const productsDir = join(proc, 'products');
      mkdirSync(join(proc, 'working', 'table.tbl'), { recursive: true });
      mkdirSync(productsDir);
      writeFileSync(join(proc, 'working', 'flags.txt'), 'flags');
      writeFileSync(join(proc, 'working', 'table.tbl', 'table.dat'), 'table');
      writeFileSync(join(productsDir, 'own.txt'), 'own');
      symlinkSync('../working/flags.txt', join(productsDir, 'flags.txt'));
      symlinkSync('../working/table.tbl', join(productsDir, 'table.tbl'));
      symlinkSync('own.txt', join(productsDir, 'alias.txt'));
      const outside = join(top, 'outside');
      mkdirSync(outside);
      writeFileSync(join(outside, 'secret'), 'secret');
      return { proc, products: productsDir, outside };
    }

    it('stores what links inside the directory point to, under the links\' names', async () => {
      const { proc, products: source } = processingDir();
      const target = join(makeTemp('mktar-'), 'cal.tar');
      const made = await createTar({ cwd: source, entries: ['.'], target, dereferenceWithin: proc });
      const verbose = gnuTar(['-tvf', target]);
      expect(verbose).not.toMatch(/^l/m);
      expect(gnuTar(['-tf', target]).split('\n').filter(Boolean)).toEqual([
        'alias.txt',
        'flags.txt',
        'own.txt',
        'table.tbl/',
        'table.tbl/table.dat',
      ]);
      const out = makeTemp('mktar-out-');
      await extractSafely(target, out);
      expect(readFileSync(join(out, 'flags.txt'), 'utf8')).toBe('flags');
      expect(readFileSync(join(out, 'alias.txt'), 'utf8')).toBe('own');
      expect(readFileSync(join(out, 'table.tbl', 'table.dat'), 'utf8')).toBe('table');
      expect(made.members).toBe(5);
      // Without the option the links are stored as links (and two of them would dangle in the archive).
      const plain = join(makeTemp('mktar-'), 'plain.tar');
      await createTar({ cwd: source, entries: ['.'], target: plain });
      expect(gnuTar(['-tvf', plain]).match(/^l/gm)).toHaveLength(3);
    });

    it('refuses a link that leads outside, a dangling one and a loop (65 each), writing nothing', async () => {
      const { proc, products: source, outside } = processingDir();
      const out = makeTemp('mktar-');
      const target = join(out, 'cal.tar');
      symlinkSync(join(outside, 'secret'), join(source, 'stolen'));
      await expect(createTar({ cwd: source, entries: ['.'], target, dereferenceWithin: proc })).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringContaining('stolen'),
      });
      rmSync(join(source, 'stolen'));
      symlinkSync('nothing-there', join(source, 'dangling'));
      await expect(createTar({ cwd: source, entries: ['.'], target, dereferenceWithin: proc })).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringMatching(/^symlink \S+\/dangling is dangling \(its target does not exist\): refused$/),
      });
      rmSync(join(source, 'dangling'));
      symlinkSync('..', join(proc, 'working', 'table.tbl', 'up'));
      await expect(createTar({ cwd: source, entries: ['.'], target, dereferenceWithin: proc })).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringContaining('loops'),
      });
      expect(readdirSync(out)).toEqual([]);
    });
  });
});

describe('createTarOfBytes', () => {
  afterAll(removeTemps);

  it('writes members from memory with portable headers, long names included, and returns size and checksum', async () => {
    const top = makeTemp('mktar-bytes-');
    const target = join(top, 'ingestion_artifacts.tar');
    const manifest = Buffer.from('{"parameters":{}}\n');
    const long = `${'nested-directory/'.repeat(8)}additional_metadata.json`;
    const made = await createTarOfBytes(
      target,
      [
        { name: 'ingestion-manifest.json', bytes: manifest },
        { name: long, bytes: Buffer.from('{}') },
      ],
      { mtime: new Date('2024-03-05T12:00:00Z') },
    );
    expect(made).toEqual({ target, size: statSync(target).size, sha256: sha256(target), members: 2 });
    // (The listed time depends on the time zone of the machine; the mode does not.)
    expect(gnuTar(['-tvf', target])).toMatch(/^-rw-r--r-- .* ingestion-manifest\.json$/m);
    const out = makeTemp('mktar-bytes-out-');
    await extractSafely(target, out);
    expect(readFileSync(join(out, 'ingestion-manifest.json')).equals(manifest)).toBe(true);
    expect(readFileSync(join(out, long), 'utf8')).toBe('{}');
  });

  it('refuses a member name that is not a relative path inside the archive (65), writing nothing', async () => {
    const top = makeTemp('mktar-bytes-');
    for (const name of ['', '/etc/passwd', '../up.json', 'a/../../b']) {
      await expect(createTarOfBytes(join(top, 'x.tar'), [{ name, bytes: Buffer.from('x') }], { mtime: new Date() })).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
      });
    }
    expect(readdirSync(top)).toEqual([]);
  });
});
