import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { isInside, realLocation, resolveInside } from '../src';
import { makeTemp, removeTemps } from './support/temp';

describe('path confinement', () => {
  let base: string;
  let outside: string;
  beforeEach(() => {
    const top = makeTemp('confine-');
    base = join(top, 'proc');
    outside = join(top, 'elsewhere');
    mkdirSync(join(base, 'rawdata', 'sdm'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'x');
  });
  afterAll(removeTemps);

  it('isInside compares paths, not string prefixes', () => {
    expect(isInside('/data/products', '/data/products')).toBe(true);
    expect(isInside('/data/products', '/data/products/a/b')).toBe(true);
    expect(isInside('/data/products', '/data/products-old/a')).toBe(false);
    expect(isInside('/data/products', '/data')).toBe(false);
    expect(isInside('/data/products', '/data/products/..hidden')).toBe(true);
    expect(isInside('/data/products', '/data/products/a/../../x')).toBe(false);
  });

  it('realLocation resolves links also for paths that do not exist yet', async () => {
    symlinkSync(outside, join(base, 'out'));
    symlinkSync(join(outside, 'not-yet'), join(base, 'dangling'));
    await expect(realLocation(join(base, 'out', 'new', 'file'))).resolves.toBe(join(outside, 'new', 'file'));
    // A dangling link leads where a file written through it would land.
    await expect(realLocation(join(base, 'dangling'))).resolves.toBe(join(outside, 'not-yet'));
    await expect(realLocation(join(base, 'rawdata', 'sdm', '..', 'x'))).resolves.toBe(join(base, 'rawdata', 'x'));
  });

  it('resolves relative paths inside the base, existing or not', async () => {
    await expect(resolveInside(base, 'rawdata/sdm', 'SdmIdentifier')).resolves.toBe(join(base, 'rawdata', 'sdm'));
    await expect(resolveInside(base, 'products/new.tar', 'name')).resolves.toBe(join(base, 'products', 'new.tar'));
    await expect(resolveInside(base, 'rawdata/../working', 'name')).resolves.toBe(join(base, 'working'));
    await expect(resolveInside(base, '.', 'name')).resolves.toBe(base);
  });

  it.each([
    ['../elsewhere/secret', 'points outside'],
    ['rawdata/../../elsewhere', 'points outside'],
    ['..', 'points outside'],
    ['/etc/passwd', 'is an absolute path'],
    ['rawdata/\0x', 'NUL'],
    ['', 'is empty'],
  ])('refuses %j with 65', async (relative, text) => {
    await expect(resolveInside(base, relative, 'RelativePath')).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringContaining(text),
    });
  });

  it('refuses a path that leads out through a symbolic link (existing or not yet existing leaf)', async () => {
    symlinkSync(outside, join(base, 'rawdata', 'escape'));
    symlinkSync('/etc', join(base, 'etc'));
    for (const relative of ['rawdata/escape', 'rawdata/escape/secret', 'rawdata/escape/new-file', 'etc/passwd']) {
      await expect(resolveInside(base, relative, 'SdmIdentifier')).rejects.toMatchObject({
        exitCode: ExitCode.InvalidInput,
        message: expect.stringContaining('symbolic link'),
      });
    }
  });

  it('refuses a dangling symbolic link that would create a file outside', async () => {
    symlinkSync(join(outside, 'not-yet'), join(base, 'dangling'));
    await expect(resolveInside(base, 'dangling', 'name')).rejects.toMatchObject({ exitCode: ExitCode.InvalidInput });
  });

  it('refuses a dangling symbolic link inside with 65, as every dangling link; a path not there is returned', async () => {
    symlinkSync('rawdata/not-there', join(base, 'dangling-inside'));
    await expect(resolveInside(base, 'dangling-inside', 'SdmIdentifier')).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringMatching(/^symlink \S+\/dangling-inside is dangling \(its target does not exist\): refused$/),
    });
    await expect(resolveInside(base, 'rawdata/not-there', 'SdmIdentifier')).resolves.toBe(join(base, 'rawdata', 'not-there'));
  });

  it('accepts symbolic links that stay inside, and a base that is itself a link', async () => {
    symlinkSync('rawdata/sdm', join(base, 'current'));
    await expect(resolveInside(base, 'current', 'name')).resolves.toBe(join(base, 'current'));
    const linkedBase = join(outside, 'proc-link');
    symlinkSync(base, linkedBase);
    await expect(resolveInside(linkedBase, 'rawdata/sdm', 'name')).resolves.toBe(join(linkedBase, 'rawdata', 'sdm'));
  });
});
