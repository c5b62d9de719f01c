import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { inputError } from '@envoys/envoy-core';
import { sha256File } from './sha256-file';

// A worker hashes whole files by path: it reads them itself, so no byte crosses between threads. The code
// travels as a string because an envoy is one bundled file, with no separate script on disk to start.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(1024 * 1024);
parentPort.on('message', (path) => {
  let fd;
  try {
    fd = openSync(path, 'r');
    const hash = createHash('sha256');
    for (;;) {
      const bytes = readSync(fd, buffer, 0, buffer.length, null);
      if (bytes === 0) break;
      hash.update(buffer.subarray(0, bytes));
    }
    parentPort.postMessage({ digest: hash.digest('hex') });
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error), code: error && error.code });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

interface Reply {
  digest?: string;
  error?: string;
  code?: string;
}

// More than four lanes rarely helps: past that the disk, not the CPU, is the limit.
const MAX_DEFAULT_CONCURRENCY = 4;

/** One hashing thread, asked for one file at a time. */
class FileHasher {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private pending: ((reply: Reply) => void) | undefined;
  private exited = false;
  /** Resolves when the thread runs (or has stopped: then hash() fails at once). */
  readonly online: Promise<void>;

  constructor() {
    this.online = new Promise((resolve) => {
      this.worker.once('online', resolve);
      this.worker.once('exit', () => {
        this.exited = true;
        resolve();
      });
    });
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => this.settle({ error: error.message }));
    this.worker.on('exit', () => this.settle({ error: 'the hashing thread stopped' }));
  }

  hash(path: string): Promise<string> {
    return new Promise<Reply>((resolve) => {
      if (this.exited) {
        resolve({ error: 'the hashing thread stopped' });
        return;
      }
      this.pending = resolve;
      this.worker.postMessage(path);
    }).then((reply) => {
      if (reply.digest !== undefined) return reply.digest;
      throw Object.assign(new Error(reply.error ?? 'hashing failed'), reply.code ? { code: reply.code } : {});
    });
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }

  private settle(reply: Reply): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(reply);
  }
}

/**
 * The SHA-256 of each file (lowercase hex, in the order of `paths`), several files at a time on worker threads,
 * each file read once by the thread that hashes it. While the threads boot (~30 ms) the main thread hashes
 * files itself, so a few small files are done before any thread is ready; large data use every core. (The main
 * thread is not a lane of its own: streaming reads through the event loop hash at half the speed of a thread.)
 *
 * `concurrency`: the number of threads (default: the CPUs available, at most 4). A missing file is 66, an
 * unreadable one 65 (as sha256File); an abort stops every thread and rejects with the signal's reason.
 */
export async function sha256Files(
  paths: readonly string[],
  options: { signal?: AbortSignal; concurrency?: number } = {},
): Promise<string[]> {
  const { signal } = options;
  signal?.throwIfAborted();
  if (paths.length === 0) return [];
  const threads = Math.max(1, Math.min(options.concurrency ?? Math.min(availableParallelism(), MAX_DEFAULT_CONCURRENCY), paths.length));
  const hashers = Array.from({ length: threads }, () => new FileHasher());
  let threadsReady = false;
  const stopAll = (): void => {
    for (const hasher of hashers) void hasher.stop();
  };
  signal?.addEventListener('abort', stopAll, { once: true });
  const digests: string[] = [];
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const more = (): boolean => next < paths.length && failure === undefined && !signal?.aborted;
  const hashNext = async (hash: (path: string) => Promise<string>): Promise<void> => {
    const index = next++;
    const path = paths[index] as string;
    try {
      digests[index] = await hash(path);
    } catch (error) {
      failure ??= { error: signal?.aborted ? signal.reason : inputError(error, path) };
      stopAll();
    }
  };
  const thread = async (hasher: FileHasher): Promise<void> => {
    await hasher.online;
    threadsReady = true;
    while (more()) await hashNext((path) => hasher.hash(path));
  };
  const mainThread = async (): Promise<void> => {
    while (!threadsReady && more()) await hashNext((path) => sha256File(path, signal));
  };
  try {
    await Promise.all([mainThread(), ...hashers.map(thread)]);
  } finally {
    signal?.removeEventListener('abort', stopAll);
    await Promise.all(hashers.map((hasher) => hasher.stop()));
  }
  if (signal?.aborted) throw signal.reason;
  if (failure) throw failure.error;
  return digests;
}
