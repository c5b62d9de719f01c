import type { FileHandle } from 'node:fs/promises';
import type { ByteSink } from './hashed-output';

/**
 * A sink that writes each chunk at its position in a file. Writes go through a FileHandle, not a
 * fs.WriteStream: measured on 1 GiB in 8 MiB chunks, the stream took 1.7-2.8 s and the handle 0.6 s.
 */
export function fileSink(handle: FileHandle): ByteSink {
  return async (chunk, position) => {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, position + offset);
      offset += bytesWritten;
    }
  };
}
