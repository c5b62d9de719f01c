import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  linkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ExitCode } from '@envoys/envoy-core';
import { extractSafely } from '../src';
import { gnuTar } from './support/commands';
import { rawTar, type RawMember } from './support/raw-tar';
import { listTree, makeTemp, removeTemps } from './support/temp';

/** A processing directory with products/ (the destination) and a sibling that must never be touched. */
function layout(): { top: string; products: string; outside: string } {
  const top = makeTemp('extract-');
  const products = join(top, 'proc', 'products');
  const outside = join(top, 'outside');
  mkdirSync(products, { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'keep.txt'), 'untouched');
  writeFileSync(join(products, 'already-there.txt'), 'old product');
  return { top, products, outside };
}

/** A small calibration-like tree with binary content, nesting, a link and a hard link. */
function calibrationTree(dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    'caltables/17A-109.G0.tbl/table.dat': randomBytes(70000),
    'caltables/17A-109.G0.tbl/table.f0': randomBytes(3),
    'caltables/17A-109.B0.tbl/table.dat': Buffer.alloc(0),
    'flagtemplate.txt': Buffer.from('mode="manual"\n'),
  };
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  symlinkSync('17A-109.G0.tbl', join(dir, 'caltables', 'latest'));
  linkSync(join(dir, 'flagtemplate.txt'), join(dir, 'flagtemplate.copy.txt'));
  return files;
}

describe('extractSafely', () => {
  afterAll(removeTemps);

  describe('happy paths', () => {
    it.each([
      ['.tar', ['-cf']],
      ['.tar.gz', ['-czf']],
      ['.tgz', ['-czf']],
    ])('extracts a GNU %s with content, links and hard links intact', async (suffix, flags) => {
      const { top, products } = layout();
      const source = join(top, 'source');
      mkdirSync(source);
      const files = calibrationTree(source);
      const tarPath = join(top, `cal${suffix}`);
      gnuTar([...flags, tarPath, '-C', source, '.']);

      const entries = await extractSafely(tarPath, products);

      for (const [path, data] of Object.entries(files)) {
        expect(readFileSync(join(products, path)).equals(data)).toBe(true);
      }
      expect(readlinkSync(join(products, 'caltables', 'latest'))).toBe('17A-109.G0.tbl');
      const seconds = (path: string): number => Math.floor(statSync(path).mtimeMs / 1000);
      expect(seconds(join(products, 'flagtemplate.txt'))).toBe(seconds(join(source, 'flagtemplate.txt')));
      const inode = (name: string): number => lstatSync(join(products, name)).ino;
      expect(inode('flagtemplate.copy.txt')).toBe(inode('flagtemplate.txt'));
      expect(readFileSync(join(products, 'already-there.txt'), 'utf8')).toBe('old product');
      // No temporary directory is left behind.
      expect(listTree(products).filter((p) => p.startsWith('.'))).toEqual([]);
      expect(entries).toEqual(
        expect.arrayContaining([
          { path: 'caltables', type: 'directory', size: 0 },
          { path: 'caltables/17A-109.G0.tbl/table.dat', type: 'file', size: 70000 },
          { path: 'caltables/latest', type: 'symlink', size: 0, linkTarget: '17A-109.G0.tbl' },
        ]),
      );
      expect(entries.some((e) => e.type === 'hardlink')).toBe(true);
    });

    it('creates the destination when it does not exist yet and merges into existing directories', async () => {
      const { top } = layout();
      const dest = join(top, 'proc', 'new-products');
      const tarPath = join(top, 'a.tar');
      writeFileSync(tarPath, rawTar([{ path: 'd/', type: 'Directory' }, { path: 'd/a.txt', body: 'A' }]));
      await extractSafely(tarPath, dest);
      writeFileSync(tarPath, rawTar([{ path: 'd/b.txt', body: 'B' }]));
      await extractSafely(tarPath, dest);
      expect(listTree(dest)).toEqual(['d/', 'd/a.txt', 'd/b.txt']);
    });

    it('a dry run audits and lists, but creates nothing', async () => {
      const { top } = layout();
      const dest = join(top, 'proc', 'not-yet');
      const tarPath = join(top, 'a.tar.gz');
      writeFileSync(tarPath, gzipSync(rawTar([{ path: 'x/y.txt', body: 'hello' }])));
      await expect(extractSafely(tarPath, dest, { dryRun: true })).resolves.toEqual([
        { path: 'x/y.txt', type: 'file', size: 5 },
      ]);
      expect(existsSync(dest)).toBe(false);
    });
  });

  describe('hostile archives: 65, nothing written inside or outside', () => {
    const cases: [string, RawMember[], string][] = [
      ['a ../ path', [{ path: '../x', body: 'evil' }], '"../x" has \'..\''],
      ['a nested .. path', [{ path: 'ok/../../x', body: 'evil' }], "has '..'"],
      ['an absolute path', [{ path: '/tmp/envoys-evil-abs/x', body: 'evil' }], 'has an absolute path'],
      ['a symlink to /etc', [{ path: 'etc', type: 'SymbolicLink', linkpath: '/etc' }], 'to the absolute path /etc'],
      ['a symlink to ../..', [{ path: 'up', type: 'SymbolicLink', linkpath: '../..' }], 'outside the destination'],
      [
        'a deep symlink climbing out',
        [{ path: 'a/b/c', type: 'SymbolicLink', linkpath: '../../../outside' }],
        'outside the destination',
      ],
      ['a hard link to /etc/passwd', [{ path: 'pw', type: 'Link', linkpath: '/etc/passwd' }], 'to the absolute'],
      ['a hard link climbing out', [{ path: 'pw', type: 'Link', linkpath: '../outside/keep.txt' }], 'outside the'],
      [
        'a hard link to something not in the archive',
        [{ path: 'pw', type: 'Link', linkpath: 'already-there.txt' }],
        'not a file earlier in the archive',
      ],
      ['a character device', [{ path: 'null', type: 'CharacterDevice' }], 'is a character device'],
      ['a block device', [{ path: 'disk', type: 'BlockDevice' }], 'is a block device'],
      ['a FIFO', [{ path: 'pipe', type: 'FIFO' }], 'is a FIFO'],
      [
        'a file written through a symlink of the archive',
        [
          { path: 'link', type: 'SymbolicLink', linkpath: 'sub' },
          { path: 'link/evil', body: 'evil' },
        ],
        'lies below link',
      ],
      [
        'a symlink chained through another symlink',
        [
          { path: 'x/y/up', type: 'SymbolicLink', linkpath: '../..' },
          { path: 'escape', type: 'SymbolicLink', linkpath: 'x/y/up/..' },
        ],
        "through the archive's symbolic link",
      ],
      ['a windows drive path', [{ path: 'C:\\evil', body: 'evil' }], 'absolute'],
      [
        'a member below a file of the archive',
        [
          { path: 'plain', body: 'file' },
          { path: 'plain/inner', body: 'x' },
        ],
        'lies below plain, which the archive makes a file',
      ],
      [
        'a hard link through a symlink of the archive',
        [
          { path: 'dir', type: 'SymbolicLink', linkpath: '.' },
          { path: 'h', type: 'Link', linkpath: 'dir/good-first.txt' },
        ],
        'not a file earlier in the archive',
      ],
    ];

    it.each(cases)('refuses %s', async (_label, members, text) => {
      const { top, products, outside } = layout();
      const before = listTree(products);
      const beforeOutside = listTree(outside);
      const tarPath = join(top, 'evil.tar');
      // Good members around the bad one: the whole archive is refused, not just the bad member.
      const good = (path: string): RawMember => ({ path, body: 'g' });
      writeFileSync(tarPath, rawTar([good('good-first.txt'), ...members, good('good-last.txt')]));

      await expect(extractSafely(tarPath, products)).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringContaining(text),
      });
      expect(listTree(products)).toEqual(before);
      expect(listTree(outside)).toEqual(beforeOutside);
      expect(existsSync('/tmp/envoys-evil-abs')).toBe(false);
    });

    it('names every bad member in the detail lines', async () => {
      const { top, products } = layout();
      const tarPath = join(top, 'evil.tar');
      writeFileSync(tarPath, rawTar([{ path: '../a' }, { path: 'ok' }, { path: '/b' }, { path: 'p', type: 'FIFO' }]));
      const error = await extractSafely(tarPath, products).catch((e: unknown) => e);
      expect(error).toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringContaining('member "../a"'),
        details: [
          expect.stringContaining('"../a"'),
          expect.stringContaining('"/b"'),
          expect.stringContaining('"p" is a FIFO'),
        ],
      });
    });

    it('refuses archives made by GNU tar with absolute names (-P) and with a --transform to ../', async () => {
      const { top, products, outside } = layout();
      const absolute = join(top, 'abs.tar');
      gnuTar(['-cPf', absolute, join(outside, 'keep.txt')]);
      await expect(extractSafely(absolute, products)).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringContaining('absolute path'),
      });
      const climbing = join(top, 'climb.tgz');
      gnuTar(['-czf', climbing, '-C', outside, '--transform', 's,^,../../,', 'keep.txt']);
      await expect(extractSafely(climbing, products)).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringContaining("'..'"),
      });
      expect(listTree(products)).toEqual(['already-there.txt']);
    });

    it('refuses a real device node and a real FIFO archived by GNU tar', async () => {
      const { top, products } = layout();
      const source = join(top, 'devsrc');
      mkdirSync(source);
      writeFileSync(join(source, 'fine.txt'), 'fine');
      // mknod needs root (CAP_MKNOD); without it the hand-made device members above still cover devices.
      let device = true;
      try {
        execFileSync('mknod', [join(source, 'null'), 'c', '1', '3'], { stdio: 'ignore' });
      } catch {
        device = false;
      }
      execFileSync('mkfifo', [join(source, 'pipe')]);
      const tarPath = join(top, 'dev.tar');
      gnuTar(['-cf', tarPath, '-C', source, '.']);
      const error = await extractSafely(tarPath, products).catch((e: unknown) => e);
      expect(error).toMatchObject({ exitCode: ExitCode.InvalidInput });
      const expected = [expect.stringContaining('FIFO')];
      if (device) expected.push(expect.stringContaining('character device'));
      expect((error as { details: string[] }).details).toEqual(expect.arrayContaining(expected));
      expect(listTree(products)).toEqual(['already-there.txt']);
    });
  });

  describe('links already in the destination', () => {
    it('never writes through an existing symlink pointing outside: the archive replaces the link', async () => {
      const { top, products, outside } = layout();
      symlinkSync(outside, join(products, 'link'));
      const tarPath = join(top, 'a.tar');
      writeFileSync(tarPath, rawTar([{ path: 'link/evil', body: 'evil' }]));

      await extractSafely(tarPath, products);

      expect(listTree(outside)).toEqual(['keep.txt']);
      expect(lstatSync(join(products, 'link')).isDirectory()).toBe(true);
      expect(readFileSync(join(products, 'link', 'evil'), 'utf8')).toBe('evil');
    });

    it('a file member replaces an existing symlink instead of writing to its target', async () => {
      const { top, products, outside } = layout();
      symlinkSync(join(outside, 'keep.txt'), join(products, 'keep.txt'));
      const tarPath = join(top, 'a.tar');
      writeFileSync(tarPath, rawTar([{ path: 'keep.txt', body: 'from the archive' }]));
      await extractSafely(tarPath, products);
      expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('untouched');
      expect(lstatSync(join(products, 'keep.txt')).isFile()).toBe(true);
    });

    it('refuses a new symlink that would lead out through an existing one', async () => {
      const { top, products } = layout();
      symlinkSync('/etc', join(products, 'sys'));
      const tarPath = join(top, 'a.tar');
      writeFileSync(tarPath, rawTar([{ path: 'pw', type: 'SymbolicLink', linkpath: 'sys/passwd' }]));
      await expect(extractSafely(tarPath, products)).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringContaining('existing symbolic link'),
      });
    });
  });

  describe('damaged or missing archives', () => {
    it('a missing tar is 66', async () => {
      const { top, products } = layout();
      await expect(extractSafely(join(top, 'none.tar'), products)).rejects.toMatchObject({
        exitCode: ExitCode.MissingInput,
      });
    });

    it.each([
      ['not a tar at all', Buffer.from('this is a text file, not a tar archive\n'.repeat(40))],
      ['a truncated tar', rawTar([{ path: 'big.bin', body: randomBytes(20000) }]).subarray(0, 4096)],
      ['a truncated gzip', gzipSync(rawTar([{ path: 'big.bin', body: randomBytes(20000) }])).subarray(0, 3000)],
    ])('%s is 65 and writes nothing', async (_label, bytes) => {
      const { top, products } = layout();
      const tarPath = join(top, 'bad.tar');
      writeFileSync(tarPath, bytes);
      await expect(extractSafely(tarPath, products)).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput });
      expect(listTree(products)).toEqual(['already-there.txt']);
    });

    it('a header with a bad checksum is 65', async () => {
      const { top, products } = layout();
      const bytes = rawTar([{ path: 'a.txt', body: 'a' }, { path: 'b.txt', body: 'b' }]);
      bytes[1024 + 10] ^= 0xff; // inside the second header's name
      const tarPath = join(top, 'bad.tar');
      writeFileSync(tarPath, bytes);
      await expect(extractSafely(tarPath, products)).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput });
      expect(listTree(products)).toEqual(['already-there.txt']);
    });
  });

  describe('failures after the audit leave no half-extracted tree', () => {
    it('a conflict with an existing directory is 73 and nothing of the archive appears', async () => {
      const { top, products } = layout();
      mkdirSync(join(products, 'clash'));
      const tarPath = join(top, 'a.tar');
      writeFileSync(tarPath, rawTar([{ path: 'a-first.txt', body: 'a' }, { path: 'clash', body: 'file' }]));
      await expect(extractSafely(tarPath, products)).rejects.toMatchObject({ exitCode: ExitCode.CannotCreate });
      expect(listTree(products)).toEqual(['already-there.txt', 'clash/']);
    });

    it('an abort stops the extraction and removes what was written', async () => {
      const { top, products } = layout();
      const tarPath = join(top, 'big.tar');
      const members = Array.from({ length: 40 }, (_, i) => ({ path: `f${i}.bin`, body: randomBytes(1 << 20) }));
      writeFileSync(tarPath, rawTar(members));
      const controller = new AbortController();
      const extraction = extractSafely(tarPath, products, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('SIGTERM')), 5);
      await expect(extraction).rejects.toThrow('SIGTERM');
      expect(listTree(products)).toEqual(['already-there.txt']);
    });
  });
});
