import { closeSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EnvoyError, InvalidInputError, inputError, openAtomicFile, outputError } from '@envoys/envoy-core';
import { warmUpHashing } from '../checksum/hash-worker';
import { HashedOutput, usesHashingThread } from '../checksum/hashed-output';
import { requireDirectory } from '../directories/require-path';
import { loadTarHeaders } from './load-tar';
import { headerBlocks } from './tar-header';
import { collectTarItems, type TarItem } from './tar-items';
import { gzipSink, plainSink } from './tar-sink';

export interface CreateTarOptions {
  /** Directory the entries are relative to. */
  readonly cwd: string;
  /** Files and directories to archive (directories with everything below them), relative to `cwd`. */
  readonly entries: readonly string[];
  /** The tar file to write; it appears only when complete. */
  readonly target: string;
  /** Compress with gzip (a `.tgz`). */
  readonly gzip?: boolean;
  /**
   * Store what symbolic links point to instead of the links (as `tar --dereference` does), for links that lead
   * inside this directory (the processing directory); one that leads outside it or nowhere (dangling) is refused
   * (65). For an archive that must stand on its own: a link such as `products/x -> ../working/y` would
   * otherwise be stored as a link whose target is not in the archive. Without it, links are stored as links.
   */
  readonly dereferenceWithin?: string;
  readonly signal?: AbortSignal;
}

export interface CreatedTar {
  readonly target: string;
  /** Size of the file written, in bytes (compressed size for gzip). */
  readonly size: number;
  /** SHA-256 of the file written, lowercase hex. */
  readonly sha256: string;
  /** Number of members in the archive. */
  readonly members: number;
}

const BLOCK = 512;
// Two zero blocks end a tar archive.
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
const PADDING = Buffer.alloc(BLOCK);

/**
 * Reads a file's bytes straight into the output's shared slots. The reads are synchronous, as GNU tar's are:
 * an asynchronous read costs a round trip through libuv's thread pool, and open/read/close of 2,000 files made
 * that the bottleneck. The writes are synchronous too (see fileSink's `blocking`); hashing runs in parallel on
 * the hashing thread, and the event loop gets its turn whenever all slots wait for it.
 */
async function appendFile(item: TarItem, output: HashedOutput, signal: AbortSignal | undefined): Promise<void> {
  let fd: number;
  try {
    fd = openSync(item.absolute, 'r');
  } catch (error) {
    throw inputError(error, item.absolute);
  }
  try {
    let position = 0;
    while (position < item.size) {
      signal?.throwIfAborted();
      const space = await output.space();
      const wanted = Math.min(space.length, item.size - position);
      let bytesRead: number;
      try {
        bytesRead = readSync(fd, space, 0, wanted, position);
      } catch (error) {
        throw inputError(error, item.absolute);
      }
      // The header already promised item.size bytes: a file that shrinks would corrupt the archive.
      if (bytesRead === 0) throw new InvalidInputError(`${item.absolute} shrank while it was being archived`);
      output.commit(bytesRead);
      position += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
  const padding = (BLOCK - (item.size % BLOCK)) % BLOCK;
  if (padding > 0) await output.put(PADDING.subarray(0, padding));
}

/** About how large the archive will be (pax headers aside): a header block per member, data padded to blocks. */
function archiveBytes(items: readonly TarItem[]): number {
  return items.reduce((sum, item) => sum + BLOCK + Math.ceil(item.size / BLOCK) * BLOCK, END_OF_ARCHIVE.length);
}

/**
 * Writes a tar of `entries` (relative to `cwd`) to `target` atomically: the file appears complete or not at
 * all, also on abort, failure or a full disk (exit 73). Members are in a deterministic order with portable
 * headers (see tar-items and tar-header). The SHA-256 is computed while writing, on a worker thread in
 * parallel with the reads and writes (inline for a small tar), so the data are read once.
 *
 * Missing entries are 66, unsupported file types (FIFOs, devices, sockets), entries outside `cwd` and a tree
 * deeper than MAX_TREE_DEPTH are 65.
 * An abort rejects with the signal's reason.
 */
export async function createTar(options: CreateTarOptions): Promise<CreatedTar> {
  const { cwd, entries, target, gzip = false, signal, dereferenceWithin } = options;
  signal?.throwIfAborted();
  await requireDirectory(cwd, 'directory to archive');
  const items = await collectTarItems(cwd, entries, resolve(target), dereferenceWithin, signal);
  // gzip: the sink hashes the compressed bytes itself. Otherwise a large tar is hashed on the hashing thread,
  // booted now so that it is ready when node-tar has loaded; a small one is hashed inline (usesHashingThread).
  const expectedSize = archiveBytes(items);
  if (!gzip && usesHashingThread(expectedSize)) warmUpHashing();
  const tar = await loadTarHeaders();
  signal?.throwIfAborted();

  const file = await openAtomicFile(target);
  // The atomic file's own stream stays unused (see checksum/file-sink: a handle writes faster); commit() still
  // flushes the data (fsync works on the file, whichever descriptor wrote it) and renames the file into place.
  let handle: FileHandle;
  try {
    handle = await open(file.temporary, 'r+');
  } catch (error) {
    await file.discard();
    throw outputError(error, target);
  }
  const sink = gzip ? gzipSink(handle) : plainSink(handle);
  const output = new HashedOutput(sink.write, { hash: !gzip, expectedSize });
  try {
    for (const item of items) {
      signal?.throwIfAborted();
      await output.put(headerBlocks(tar, item));
      if (item.kind === 'file' && item.size > 0) await appendFile(item, output, signal);
    }
    await output.put(END_OF_ARCHIVE);
    const inputDigest = await output.finish();
    const written = (await sink.finish()) ?? { sha256: inputDigest, size: output.size };
    await handle.close();
    await file.commit();
    return { target, size: written.size, sha256: written.sha256, members: items.length };
  } catch (error) {
    sink.abort();
    await output.settle();
    await handle.close().catch(() => undefined);
    await file.discard();
    if (signal?.aborted) throw signal.reason;
    if (error instanceof EnvoyError) throw error;
    throw outputError(error, target);
  }
}
