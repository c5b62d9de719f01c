import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { ensureDirectory, requireDirectory, requireFile } from '../src';
import { makeTemp, removeTemps } from './support/temp';

describe('directory and file checks', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTemp('dirs-');
    mkdirSync(join(dir, 'rawdata'));
    writeFileSync(join(dir, 'PPR.xml'), '<x/>');
  });
  afterAll(removeTemps);

  it('requireDirectory accepts a directory', async () => {
    await expect(requireDirectory(join(dir, 'rawdata'), 'rawdata directory')).resolves.toBeUndefined();
  });

  it('requireDirectory: a missing directory is 66, naming it', async () => {
    const missing = join(dir, 'working');
    await expect(requireDirectory(missing, 'working directory')).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
      message: `working directory ${missing} does not exist`,
    });
  });

  it('requireDirectory: a path through a file is 66 (the directory cannot exist)', async () => {
    await expect(requireDirectory(join(dir, 'PPR.xml', 'sub'), 'x')).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
    });
  });

  it('requireDirectory: a file where a directory belongs is 65', async () => {
    await expect(requireDirectory(join(dir, 'PPR.xml'), 'rawdata directory')).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringContaining('is not a directory'),
    });
  });

  it('requireFile accepts a file, 66 when missing, 65 for a directory', async () => {
    await expect(requireFile(join(dir, 'PPR.xml'), 'PPR')).resolves.toBeUndefined();
    await expect(requireFile(join(dir, 'metadata.json'), 'metadata')).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
    });
    await expect(requireFile(join(dir, 'rawdata'), 'metadata')).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: expect.stringContaining('is a directory'),
    });
  });

  it('ensureDirectory creates parents and accepts an existing directory', async () => {
    const deep = join(dir, 'products', 'a', 'b');
    await ensureDirectory(deep, 'products directory');
    expect(statSync(deep).isDirectory()).toBe(true);
    await expect(ensureDirectory(deep, 'products directory')).resolves.toBeUndefined();
  });

  // Tests run as root, so permission bits cannot make mkdir fail; a regular file in the way does.
  it('ensureDirectory: cannot create (a file in the way) is 73 naming the path', async () => {
    const blocked = join(dir, 'PPR.xml', 'products');
    await expect(ensureDirectory(blocked, 'products directory')).rejects.toMatchObject({
      exitCode: ExitCode.CannotCreate,
      message: expect.stringContaining(blocked),
    });
    await expect(ensureDirectory(join(dir, 'PPR.xml'), 'products directory')).rejects.toMatchObject({
      exitCode: ExitCode.CannotCreate,
    });
  });
});

describe('ensureDirectory in a dry run', () => {
  afterAll(removeTemps);

  it('checks what the creation would meet and creates nothing', async () => {
    const dir = makeTemp('dirs-dry-');
    await expect(ensureDirectory(join(dir, 'a', 'b'), 'working directory', { dryRun: true })).resolves.toBeUndefined();
    expect(() => statSync(join(dir, 'a'))).toThrow();
    writeFileSync(join(dir, 'file'), 'x');
    for (const path of [join(dir, 'file'), join(dir, 'file', 'below')]) {
      await expect(ensureDirectory(path, 'working directory', { dryRun: true })).rejects.toMatchObject({
        exitCode: ExitCode.CannotCreate,
        message: `cannot create working directory ${path}: a file is in the way`,
      });
      await expect(ensureDirectory(path, 'working directory')).rejects.toMatchObject({
        exitCode: ExitCode.CannotCreate,
        message: `cannot create working directory ${path}: a file is in the way`,
      });
    }
  });
});
