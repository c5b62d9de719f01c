import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { correctPpr } from '../src';
import { EXAMPLE_PPR, useTempDirs } from './support/files';

const tempDir = useTempDirs();

describe('correctPpr for a dry run and for directory names', () => {
  it('with dryRun makes every check and writes nothing', async () => {
    const dir = tempDir();
    const source = join(dir, 'PPR.xml');
    writeFileSync(source, EXAMPLE_PPR);
    const target = join(dir, 'out.xml');
    await correctPpr({ source, target, rootDirectory: '/scratch', relativePath: 'tmpk2', dryRun: true });
    expect(existsSync(target)).toBe(false);
    await expect(correctPpr({ source, target: source, rootDirectory: '/scratch', relativePath: 'tmpk2', dryRun: true })).rejects.toThrow(/refusing to write the corrected PPR over its original/);
    await expect(correctPpr({ source, target, rootDirectory: '/scratch', relativePath: 'a\u0001', dryRun: true })).rejects.toThrow(/XML cannot hold/);
  });

  it('accepts a directory name with a backslash: an ordinary character of a name on Linux', async () => {
    const dir = tempDir();
    const source = join(dir, 'PPR.xml');
    writeFileSync(source, EXAMPLE_PPR);
    const target = join(dir, 'out.xml');
    await correctPpr({ source, target, rootDirectory: '/scratch', relativePath: 'tmp\\x' });
    expect(readFileSync(target, 'utf8')).toContain('<RelativePath>tmp\\x</RelativePath>');
  });
});
