import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { inputError } from '@envoys/envoy-core';

// Large reads keep the number of system calls and hash updates low; 1 MiB is past the point of any gain.
const READ_SIZE = 1024 * 1024;

/**
 * The SHA-256 of a file as lowercase hex, read as a stream (memory does not grow with the file).
 * A missing file is 66, an unreadable one 65; an abort rejects with the signal's reason.
 */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  signal?.throwIfAborted();
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: READ_SIZE, signal })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    signal?.throwIfAborted();
    throw inputError(error, path);
  }
  return hash.digest('hex');
}
