import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { sha256File } from '../src';
import { makeTemp, removeTemps } from './support/temp';

describe('sha256File', () => {
  afterAll(removeTemps);

  it('hashes files of any size as a stream', async () => {
    const dir = makeTemp('sha-');
    for (const size of [0, 1, 1024 * 1024 - 1, 3 * 1024 * 1024 + 17]) {
      const data = randomBytes(size);
      const path = join(dir, `f${size}`);
      writeFileSync(path, data);
      await expect(sha256File(path)).resolves.toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  it('a missing file is 66', async () => {
    await expect(sha256File(join(makeTemp('sha-'), 'missing'))).rejects.toMatchObject({
      exitCode: ExitCode.MissingInput,
    });
  });

  it('an aborted hash rejects with the abort reason', async () => {
    const path = join(makeTemp('sha-'), 'f');
    writeFileSync(path, randomBytes(1024));
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(sha256File(path, controller.signal)).rejects.toThrow('stop now');
  });
});
