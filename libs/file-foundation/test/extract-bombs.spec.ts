import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ExitCode, InvalidInputError } from '@envoys/envoy-core';
import { writeGzipTar } from '@envoys/testing';
import { extractSafely } from '../src';
import { rawTar } from './support/raw-tar';
import { listTree, makeTemp, removeTemps } from './support/temp';

afterAll(removeTemps);

async function refusal(work: Promise<unknown>): Promise<InvalidInputError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('extractSafely on archives that cost more to read than they are worth', () => {
  it('refuses a gzip bomb while reading it, in the audit and in a dry run, and creates nothing', async () => {
    const top = makeTemp('bomb-');
    const tar = join(top, 'zeros.tgz');
    writeGzipTar(tar, 'zeros', 200);
    for (const dryRun of [true, false]) {
      const error = await refusal(extractSafely(tar, join(top, 'products'), { dryRun }));
      expect(error.exitCode).toBe(ExitCode.InvalidInput);
      expect(error.message).toMatch(/zeros\.tgz inflates to more than 1000 times its compressed size \(\d+ MiB from \d+ bytes\): refused as a compression bomb; nothing was extracted$/);
      expect(existsSync(join(top, 'products'))).toBe(false);
    }
  });

  it('extracts a highly compressible tar below the ratio, streaming', async () => {
    const top = makeTemp('sparse-');
    const tar = join(top, 'sparse.tgz');
    writeGzipTar(tar, 'sparse', 40);
    const entries = await extractSafely(tar, join(top, 'products'));
    expect(entries).toHaveLength(40);
    expect(readFileSync(join(top, 'products', 'caltables', 't00039.bin')).subarray(2048).every((byte) => byte === 0)).toBe(true);
  });

  it('refuses a gzip stream inside the gzip stream (node-tar would inflate it in memory)', async () => {
    const top = makeTemp('twice-');
    const tar = join(top, 'twice.tgz');
    writeFileSync(tar, gzipSync(gzipSync(rawTar([{ path: 'a.txt', body: 'a' }]))));
    const error = await refusal(extractSafely(tar, join(top, 'products')));
    expect(error.message).toMatch(/twice\.tgz is compressed twice \(a gzip stream inside the gzip stream\), not a tar archive; nothing was extracted$/);
  });

  it('stops reading at the end-of-archive blocks: data after them is never buffered', async () => {
    const top = makeTemp('trailing-');
    const tar = join(top, 'trailing.tar');
    writeFileSync(tar, rawTar([{ path: 'a.txt', body: 'kept' }]));
    // 64 MiB of junk after the end of the archive, which a parser that buffers it would hold in memory.
    const junk = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 64; i += 1) appendFileSync(tar, junk);
    const products = join(top, 'products');
    mkdirSync(products);
    await extractSafely(tar, products);
    expect(listTree(products)).toEqual(['a.txt']);
    expect(readFileSync(join(products, 'a.txt'), 'utf8')).toBe('kept');
  });

  it('refuses a member name longer than any path may be', async () => {
    const top = makeTemp('long-name-');
    const tar = join(top, 'long.tar');
    const name = `${'d/'.repeat(2100)}f`;
    writeFileSync(tar, rawTar([{ path: name, body: 'x' }]));
    const error = await refusal(extractSafely(tar, join(top, 'products')));
    expect(error.message).toMatch(/has a name longer than 4096 bytes, longer than a path may be; nothing was extracted$/);
  });
});
