import type { FileHandle } from 'node:fs/promises';
import {
  openInputFile as openLimited,
  readChunks as readLimitedChunks,
  readInputFile as readLimited,
  type InputFile,
} from '@envoys/envoy-core';

export type { InputFile };

/** PPRs and metadata files are a few kB; anything this large is not one, and must not fill the memory. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

const LIMIT = { maxBytes: MAX_INPUT_BYTES };

/**
 * Opens a PPR or metadata file: a regular file of at most `maxBytes` (see envoy-core's openInputFile). The
 * PPR reader streams and passes a larger bound of its own.
 */
export function openInputFile(file: InputFile, maxBytes = MAX_INPUT_BYTES): Promise<FileHandle> {
  return openLimited(file, { maxBytes });
}

/** The file's bytes in chunks as they are read, refused once past `maxBytes`. */
export function readChunks(handle: FileHandle, label: string, maxBytes = MAX_INPUT_BYTES): AsyncGenerator<Buffer> {
  return readLimitedChunks(handle, label, { maxBytes });
}

/** Reads a whole PPR or metadata file: 66 when missing, 65 when not a readable regular file or too large. */
export function readInputFile(file: InputFile): Promise<Buffer> {
  return readLimited(file, LIMIT);
}
