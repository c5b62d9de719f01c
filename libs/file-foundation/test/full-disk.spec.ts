import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { createTar, extractSafely, stageFile } from '../src';
import { bundleForChild } from './support/bundle';
import { canMountTmpfs, mountTmpfs, unmount } from './support/commands';
import { rawTar } from './support/raw-tar';
import { listTree, makeTemp, removeTemps } from './support/temp';

// Two ways to run out of space, both real:
// - a 1 MiB tmpfs, where writes fail with ENOSPC (needs mount rights: root in a privileged container; skipped
//   otherwise);
// - RLIMIT_FSIZE on a child process (prlimit), where writes past the limit fail with EFBIG; works anywhere.
const mountPoints: string[] = [];
const tmpfs = canMountTmpfs(makeTemp('probe-'));

function fullDisk(): string {
  const dir = makeTemp('tmpfs-');
  mountTmpfs(dir, '1m');
  mountPoints.push(dir);
  return dir;
}

/** A processing directory on the regular temp file system holding 4 MiB of products. */
function products(): { proc: string; products: string } {
  const proc = join(makeTemp('full-'), 'proc');
  const dir = join(proc, 'products');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cal.tar'), randomBytes(4 * 1024 * 1024));
  return { proc, products: dir };
}

describe('a full disk is exit 73 and leaves no partial file', () => {
  afterAll(() => {
    for (const dir of mountPoints) unmount(dir);
    removeTemps();
  });

  (tmpfs ? it : it.skip)('stageFile copying onto a full tmpfs', async () => {
    const { proc, products: dir } = products();
    const staging = join(fullDisk(), 'staging');
    await expect(
      stageFile(join(dir, 'cal.tar'), staging, undefined, { root: proc, method: 'copy' }),
    ).rejects.toMatchObject({
      exitCode: ExitCode.CannotCreate,
      message: expect.stringContaining('no space left on device'),
    });
    expect(readdirSync(staging)).toEqual([]);
  });

  (tmpfs ? it : it.skip)('stageFile across file systems falls back to copying, and fails cleanly', async () => {
    const { proc, products: dir } = products();
    const staging = fullDisk();
    await expect(stageFile(join(dir, 'cal.tar'), staging, undefined, { root: proc })).rejects.toMatchObject({
      exitCode: ExitCode.CannotCreate,
    });
    expect(readdirSync(staging)).toEqual([]);
  });

  (tmpfs ? it : it.skip)('createTar onto a full tmpfs', async () => {
    const { products: dir } = products();
    const disk = fullDisk();
    await expect(createTar({ cwd: dir, entries: ['.'], target: join(disk, 'x.tar') })).rejects.toMatchObject({
      exitCode: ExitCode.CannotCreate,
      message: expect.stringContaining(join(disk, 'x.tar')),
    });
    expect(readdirSync(disk)).toEqual([]);
  });

  (tmpfs ? it : it.skip)('extractSafely into a full tmpfs leaves the destination as it was', async () => {
    const disk = fullDisk();
    writeFileSync(join(disk, 'already-there.txt'), 'x');
    const tarPath = join(makeTemp('full-'), 'cal.tar');
    const big = randomBytes(2 * 1024 * 1024);
    writeFileSync(tarPath, rawTar([{ path: 'small.txt', body: 's' }, { path: 'big.bin', body: big }]));
    await expect(extractSafely(tarPath, disk)).rejects.toMatchObject({ exitCode: ExitCode.CannotCreate });
    expect(listTree(disk)).toEqual(['already-there.txt']);
  });

  const prlimit = spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
  (prlimit ? describe : describe.skip)('under RLIMIT_FSIZE (EFBIG) in a child process', () => {
    const child = bundleForChild(join(__dirname, 'support', 'full-disk-child.ts'));
    const limited = (args: string[]): { exitCode?: number; message?: string } => {
      const run = spawnSync('prlimit', ['--fsize=1048576', process.execPath, child, ...args], { encoding: 'utf8' });
      if (run.error) throw run.error;
      return JSON.parse(run.stdout) as { exitCode?: number; message?: string };
    };

    it('stageFile', () => {
      const { proc, products: dir } = products();
      const staging = join(makeTemp('full-'), 'staging');
      expect(limited(['stage', join(dir, 'cal.tar'), staging, proc])).toMatchObject({
        exitCode: ExitCode.CannotCreate,
        message: expect.stringContaining('file too large (EFBIG)'),
      });
      expect(readdirSync(staging)).toEqual([]);
    });

    it('createTar', () => {
      const { products: dir } = products();
      const out = makeTemp('full-');
      expect(limited(['tar', dir, join(out, 'x.tar')])).toMatchObject({ exitCode: ExitCode.CannotCreate });
      expect(readdirSync(out)).toEqual([]);
    });
  });
});
