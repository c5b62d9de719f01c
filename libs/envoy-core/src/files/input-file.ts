import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { describeErrno, errnoCode, InvalidInputError, MissingInputError } from '../errors';

/** An input file named by `label` in messages (the path as the user gave it, or a description) and read from `path`. */
export interface InputFile {
  readonly path: string;
  readonly label: string;
}

/** How much of an input may be read: it is refused (65) past `maxBytes`, before it fills the memory. */
export interface InputLimit {
  readonly maxBytes: number;
}

const CHUNK_BYTES = 64 * 1024;

/** What a path that is not a regular file is, for messages ("is a FIFO (named pipe), not a regular file"). */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function unreadable(label: string, error: unknown): InvalidInputError {
  const code = errnoCode(error);
  const reason = code ? describeErrno(code) : error instanceof Error ? error.message : String(error);
  return new InvalidInputError(`${label}: cannot read: ${reason}`, [], { cause: error });
}

function missingMessage(file: InputFile): string {
  return file.path === file.label ? `${file.label} does not exist` : `${file.label} does not exist (${file.path})`;
}

function sizeText(bytes: number): string {
  const MiB = 1024 * 1024;
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

function tooLarge(label: string, limit: InputLimit): InvalidInputError {
  return new InvalidInputError(`${label}: is larger than ${sizeText(limit.maxBytes)}, too large for this kind of file`);
}

/**
 * Opens an input that must be a regular file. A missing file is MissingInputError (66); a directory, a FIFO,
 * a device, a socket, an unreadable or too large file is InvalidInputError (65) naming it. The open itself
 * never blocks: O_NONBLOCK keeps a FIFO without a writer (or a device that waits) from hanging the envoy
 * where no stop signal could reach it, and the kind of file is checked on the opened descriptor, so a file
 * swapped for a FIFO after a check cannot slip through.
 */
export async function openInputFile(file: InputFile, limit: InputLimit): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file.path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MissingInputError(missingMessage(file), [], { cause: error });
    throw unreadable(file.label, error);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new InvalidInputError(`${file.label}: is a directory, not a file`);
    if (!stats.isFile()) throw new InvalidInputError(`${file.label}: is ${fileKind(stats)}, not a regular file`);
    if (stats.size > limit.maxBytes) throw tooLarge(file.label, limit);
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof InvalidInputError ? error : unreadable(file.label, error);
  }
}

/**
 * The file's bytes in chunks as they are read, so a parser can reject a bad file before the rest is read.
 * The size is checked again while reading: the file may grow after the open (or be a proc file whose size says 0).
 */
export async function* readChunks(handle: FileHandle, label: string, limit: InputLimit): AsyncGenerator<Buffer> {
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
    if (total > limit.maxBytes) throw tooLarge(label, limit);
    yield buffer.subarray(0, bytesRead);
  }
}

/** Reads a whole small input file: 66 when missing, 65 when not a readable regular file or larger than the limit. */
export async function readInputFile(file: InputFile, limit: InputLimit): Promise<Buffer> {
  const handle = await openInputFile(file, limit);
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of readChunks(handle, file.label, limit)) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
