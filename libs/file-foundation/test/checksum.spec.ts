import { createHash, randomBytes } from 'node:crypto';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@envoys/envoy-core';
import { sha256File, sha256Files } from '../src';
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

describe('sha256Files', () => {
  afterAll(removeTemps);

  function files(count: number, size: (index: number) => number): { paths: string[]; digests: string[] } {
    const dir = makeTemp('shas-');
    const paths: string[] = [];
    const digests: string[] = [];
    for (let index = 0; index < count; index++) {
      const data = randomBytes(size(index));
      const path = join(dir, `f${index} with a space`);
      writeFileSync(path, data);
      paths.push(path);
      digests.push(createHash('sha256').update(data).digest('hex'));
    }
    return { paths, digests };
  }

  it.each([1, 2, 3])('hashes every file, in the order given, with %i thread(s)', async (concurrency) => {
    const { paths, digests } = files(12, (index) => (index % 3) * 700_000 + index);
    await expect(sha256Files(paths, { concurrency })).resolves.toEqual(digests);
  });

  it('nothing to hash is an empty list; the default threads hash as well; many small files are no problem', async () => {
    await expect(sha256Files([])).resolves.toEqual([]);
    const { paths, digests } = files(5, () => 3 * 1024 * 1024 + 1);
    await expect(sha256Files(paths)).resolves.toEqual(digests);
    // The main thread hashes while the threads boot: both share the list without skipping or repeating a file.
    const small = files(300, (index) => index);
    await expect(sha256Files(small.paths, { concurrency: 2 })).resolves.toEqual(small.digests);
  });

  it('a missing file is 66 whichever thread hashes it, a directory is 65', async () => {
    const { paths } = files(6, () => 10);
    for (const at of [0, 5]) {
      const list = [...paths];
      list[at] = join(makeTemp('shas-'), 'missing');
      await expect(sha256Files(list, { concurrency: 2 })).rejects.toMatchObject({ exitCode: ExitCode.MissingInput });
    }
    await expect(sha256Files([...paths, makeTemp('shas-')], { concurrency: 3 })).rejects.toMatchObject({
      exitCode: ExitCode.InvalidInput,
    });
  });

  it('an abort stops every thread and rejects with the abort reason', async () => {
    const dir = makeTemp('shas-');
    const paths: string[] = [];
    for (let index = 0; index < 6; index++) {
      // Sparse: 2 GiB each to read (seconds for all six), nothing on disk.
      const path = join(dir, `big${index}`);
      writeFileSync(path, '');
      truncateSync(path, 2 * 1024 * 1024 * 1024);
      paths.push(path);
    }
    const controller = new AbortController();
    const started = Date.now();
    const hashing = sha256Files(paths, { signal: controller.signal, concurrency: 3 });
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    await expect(hashing).rejects.toThrow('stop now');
    // 12 GiB would take several seconds; the abort ends it at once.
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
