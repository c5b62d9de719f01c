import { describeErrno, InvalidInputError, MissingInputError, errnoCode } from '@envoys/envoy-core';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** PPRs and metadata files are a few kB; anything this large is not one, and must not fill the memory. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

const CHUNK_BYTES = 64 * 1024;

function unreadable(label: string, error: unknown): InvalidInputError {
  const code = errnoCode(error);
  const reason = code ? describeErrno(code) : error instanceof Error ? error.message : String(error);
  return new InvalidInputError(`${label}: cannot read: ${reason}`, [], { cause: error });
}

/** An input file named by `label` in messages (the path as the user gave it) and read from `path`. */
export interface InputFile {
  readonly path: string;
  readonly label: string;
}

function missingMessage(file: InputFile): string {
  return file.path === file.label ? `${file.label} does not exist` : `${file.label} does not exist (${file.path})`;
}

/**
 * Opens an input that must be a regular file. A missing file is MissingInputError (66); a directory, a
 * device or an unreadable file is InvalidInputError (65). O_NONBLOCK keeps a FIFO from hanging the open.
 */
export async function openInputFile(file: InputFile): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file.path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MissingInputError(missingMessage(file), [], { cause: error });
    throw unreadable(file.label, error);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new InvalidInputError(`${file.label}: is a directory, not a file`);
    if (!stats.isFile()) throw new InvalidInputError(`${file.label}: is not a regular file`);
    if (stats.size > MAX_INPUT_BYTES) throw tooLarge(file.label);
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof InvalidInputError ? error : unreadable(file.label, error);
  }
}

function tooLarge(label: string): InvalidInputError {
  return new InvalidInputError(`${label}: is larger than ${MAX_INPUT_BYTES / (1024 * 1024)} MiB, too large for this kind of file`);
}

/**
 * The file's bytes in chunks as they are read, so a parser can reject a bad file before the rest is read.
 * The size is checked again while reading: the file may grow after the open.
 */
export async function* readChunks(handle: FileHandle, label: string): AsyncGenerator<Buffer> {
  let total = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null));
    } catch (error) {
      throw unreadable(label, error);
    }
    if (bytesRead === 0) return;
    total += bytesRead;
    if (total > MAX_INPUT_BYTES) throw tooLarge(label);
    yield buffer.subarray(0, bytesRead);
  }
}

/** Reads a whole (small) input file: 66 when missing, 65 when not a readable regular file or too large. */
export async function readInputFile(file: InputFile): Promise<Buffer> {
  const handle = await openInputFile(file);
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of readChunks(handle, file.label)) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
