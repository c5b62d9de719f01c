import { Worker } from 'node:worker_threads';

/** Newlines before each block boundary of a file: `counts[k]` is the number in its first (k + 1) blocks. */
export interface NewlineCounts {
  readonly block: number;
  readonly counts: readonly number[];
}

export interface NewlineCounting {
  /** The counts, or undefined when they could not be taken (the file is not a regular file, a read failed). */
  readonly result: Promise<NewlineCounts | undefined>;
  /** Stops the counting; its result is then undefined. */
  cancel(): void;
}

// Runs in a worker thread, as a script: the envoy is one file, so the worker's code travels as a string.
const COUNTER = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, fstatSync, openSync, readSync } = require('node:fs');
const { file, block } = workerData;
const fd = openSync(file, 'r');
try {
  // Never a blocking read of a FIFO put in the log's place: a worker stuck in read(2) cannot be stopped.
  if (!fstatSync(fd).isFile()) {
    parentPort.postMessage(null);
  } else {
    const buffer = Buffer.allocUnsafe(block);
    const counts = [];
    let total = 0;
    for (let position = 0; ; position += block) {
      const bytesRead = readSync(fd, buffer, 0, block, position);
      if (bytesRead === 0) break;
      const data = bytesRead === block ? buffer : buffer.subarray(0, bytesRead);
      for (let at = data.indexOf(10); at !== -1; at = data.indexOf(10, at + 1)) total++;
      counts.push(total);
      if (bytesRead < block) break;
    }
    parentPort.postMessage(counts);
  }
} finally {
  closeSync(fd);
}
`;

/**
 * Counts a large file's newlines on the other core while the scan reads it on this one, so that a finding
 * deep in the file gets its line number without a second pass over everything before it (the second pass
 * was about 40 % of `--verify`'s time on a 1 GiB log with its SEVERE at the end: docs/BENCHMARKS.md). A log
 * without findings pays only the worker's CPU on the other core; small files are not worth a thread.
 */
export function countNewlinesInBackground(file: string, block: number, signal?: AbortSignal): NewlineCounting {
  let worker: Worker | undefined;
  let onAbort: (() => void) | undefined;
  const result = new Promise<NewlineCounts | undefined>((resolve) => {
    // A stop signal does not wait for the count.
    onAbort = () => {
      void worker?.terminate();
      resolve(undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      worker = new Worker(COUNTER, { eval: true, workerData: { file, block }, stdout: false, stderr: true });
    } catch {
      resolve(undefined);
      return;
    }
    worker.once('message', (counts: number[] | null) => resolve(counts ? { block, counts } : undefined));
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
    // Not unref()'d: while the scan awaits the counts the worker is all that keeps the event loop alive, and
    // the process would end with 0 in the middle of the verification. Every caller cancels it when done.
  });
  // One listener per file on the run's signal: removed when the count is settled, so they do not pile up.
  void result.finally(() => {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  });
  return {
    result,
    cancel: () => void worker?.terminate(),
  };
}
