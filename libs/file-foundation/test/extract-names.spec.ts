import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { extractSafely } from '../src';
import { rawTar } from './support/raw-tar';
import { makeTemp, removeTemps } from './support/temp';

afterAll(removeTemps);

// Found by the member-path property target: `./C:/x` normalises to `C:/x`, a drive path, and passed.
describe('member names that become absolute once normalised', () => {
  it.each([['./C:/x'], ['./C:x'], ['.//C:\\x']])('%s is refused like C:/x, and nothing is extracted', async (name) => {
    const top = makeTemp('names-');
    const tar = join(top, 'cal.tar');
    writeFileSync(tar, rawTar([{ path: 'ok.txt', body: 'ok' }, { path: name, body: 'x' }]));
    await expect(extractSafely(tar, join(top, 'products'))).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
      message: `tar ${tar}: member "${name}" has an absolute path; nothing was extracted`,
    });
    expect(existsSync(join(top, 'products'))).toBe(false);
  });
});
