import type { FileHandle } from 'node:fs/promises';
import { fileSink } from '../src/checksum/file-sink';

/** A FileHandle stand-in that records writes and flushes; `flushes` decides how each flush ends. */
function fakeHandle(flushes: Array<() => Promise<void>>): { handle: FileHandle; writes: number[]; flushed: () => number } {
  const writes: number[] = [];
  let flushed = 0;
  const handle = {
    write: async (_buffer: Buffer, _offset: number, length: number) => {
      writes.push(length);
      return { bytesWritten: length };
    },
    datasync: () => {
      flushed += 1;
      return (flushes.shift() ?? (async () => undefined))();
    },
  };
  return { handle: handle as unknown as FileHandle, writes, flushed: () => flushed };
}

const MiB = 1024 * 1024;

describe('fileSink', () => {
  it('writes in 128 KiB calls and flushes in the background every 64 MiB, one flush at a time', async () => {
    let finishFlush: () => void = () => undefined;
    const slow = () => new Promise<void>((resolve) => (finishFlush = resolve));
    const { handle, writes, flushed } = fakeHandle([slow]);
    const sink = fileSink(handle);
    const chunk = Buffer.alloc(8 * MiB);
    for (let index = 0; index < 8; index++) await sink(chunk, index * chunk.length);
    expect(writes.every((length) => length === 128 * 1024)).toBe(true);
    expect(flushed()).toBe(1);
    // While that flush runs, another 64 MiB start none.
    for (let index = 8; index < 16; index++) await sink(chunk, index * chunk.length);
    expect(flushed()).toBe(1);
    finishFlush();
    await new Promise((resolve) => setImmediate(resolve));
    await sink(chunk, 16 * chunk.length);
    expect(flushed()).toBe(2);
  });

  it('a failed flush fails the next write', async () => {
    const failure = Object.assign(new Error('EIO'), { code: 'EIO' });
    const { handle } = fakeHandle([() => Promise.reject(failure)]);
    const sink = fileSink(handle);
    await sink(Buffer.alloc(64 * MiB), 0);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(sink(Buffer.alloc(1), 64 * MiB)).rejects.toBe(failure);
  });
});
