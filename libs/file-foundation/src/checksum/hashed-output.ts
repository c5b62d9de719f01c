import { inlineSha256, parallelSha256, type ParallelSha256 } from './hash-worker';
import { SlotPool } from './slot-pool';

/**
 * Where the bytes go. Called in stream order with each chunk and its offset in the stream, without waiting for
 * earlier calls to settle (a file sink writes at the offset, so writes may overlap). The chunk is reused once the
 * returned promise settles.
 */
export type ByteSink = (chunk: Buffer, position: number) => Promise<void>;

// 2 MiB slots and 4 of them: 8 MiB in all. Per-slot costs (one message to the hashing thread) are negligible
// at this size, and a tar's writer writes each slot before the next is filled (see tar-sink), so the slots out
// at once are only those the hashing thread has not read yet. Measured on 1 GiB in 2,000 files: the same time
// as 6 slots of 8 MiB, and a peak RSS of the whole ingest-envoy run of 96 MB instead of 137 MB.
const SLOT_SIZE = 2 * 1024 * 1024;
const SLOTS = 4;

// A small output gets one slot of about its own size, rounded up to this: allocating (and zeroing) a full
// slot for a tar of a few kilobytes costs more than writing it.
const SMALL_SLOT_STEP = 64 * 1024;

/**
 * Whether an output of `bytes` bytes is hashed on the hashing thread. Up to one slot it is hashed inline: there
 * is no I/O to overlap the hashing with, and hashing a few megabytes here is quicker than the thread's ~30 ms
 * boot.
 */
export function usesHashingThread(bytes: number | undefined): boolean {
  return bytes === undefined || bytes > SLOT_SIZE;
}

/**
 * An output stream for large data that is written and hashed at the same time: the producer fills slots of
 * shared memory (reading files straight into them), each full slot goes to the sink and to the hashing thread
 * in parallel, and returns to the pool when both are done. When all slots are out, the producer waits: memory
 * stays bounded whatever the size of the data.
 *
 * A sink failure is kept and thrown by the next space()/put()/finish(). After a failure or an abort, call
 * settle() before removing what the sink wrote to, so no write is still in flight.
 */
export class HashedOutput {
  private readonly pool: SlotPool;
  private readonly hash: ParallelSha256 | undefined;
  private current: Buffer | undefined;
  private used = 0;
  private flushed = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  /** Bytes committed so far. */
  size = 0;

  /**
   * `hash: false`: no digest. `expectedSize`, when known: a small output gets a small slot and is hashed inline
   * (see usesHashingThread); otherwise the hashing thread works in parallel with the I/O.
   */
  constructor(
    private readonly sink: ByteSink,
    options: { hash?: boolean; expectedSize?: number } = {},
  ) {
    const { expectedSize } = options;
    const thread = usesHashingThread(expectedSize);
    const slotSize =
      thread || expectedSize === undefined
        ? SLOT_SIZE
        : Math.max(SMALL_SLOT_STEP, Math.ceil(expectedSize / SMALL_SLOT_STEP) * SMALL_SLOT_STEP);
    this.pool = new SlotPool(SLOTS, slotSize);
    this.hash = options.hash === false ? undefined : thread ? parallelSha256() : inlineSha256();
  }

  /** Free space in the current slot: fill it from the start, then call commit() with the number of bytes. */
  async space(): Promise<Buffer> {
    this.throwIfFailed();
    if (!this.current) {
      this.current = await this.pool.take();
      this.used = 0;
      this.throwIfFailed();
    }
    return this.current.subarray(this.used);
  }

  commit(bytes: number): void {
    if (!this.current || bytes < 0 || this.used + bytes > this.current.length) {
      throw new RangeError('commit() beyond the space handed out');
    }
    this.used += bytes;
    this.size += bytes;
    if (this.used === this.current.length) this.flush();
  }

  /** Copies small pieces (headers, padding) into the stream. */
  async put(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const space = await this.space();
      const length = Math.min(space.length, bytes.length - offset);
      space.set(bytes.subarray(offset, offset + length));
      this.commit(length);
      offset += length;
    }
  }

  /** Flushes the last slot, waits for every write and returns the digest (empty when hashing is off). */
  async finish(): Promise<string> {
    this.throwIfFailed();
    this.flush();
    await this.drain();
    this.throwIfFailed();
    return this.hash ? this.hash.digest() : '';
  }

  /** Waits until nothing is in flight. Never throws. */
  async settle(): Promise<void> {
    this.failure ??= new Error('output abandoned');
    await this.drain();
    await this.hash?.discard();
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    const slot = this.current;
    const length = this.used;
    this.current = undefined;
    this.used = 0;
    if (!slot) return;
    if (length === 0) {
      this.pool.give(slot);
      return;
    }
    const chunk = slot.subarray(0, length);
    const position = this.flushed;
    this.flushed += length;
    // Issued at once, not chained: waiting for one write before the next costs a round trip through the event
    // loop per chunk. The hashing thread takes its queue in order.
    const written =
      this.failure === undefined
        ? this.sink(chunk, position).catch((error: unknown) => {
            this.failure ??= error;
            throw error;
          })
        : Promise.reject(this.failure);
    const hashed = this.hash ? this.hash.update(chunk) : Promise.resolve();
    // Both must be over before the slot is reused: the hashing thread may still be reading it after a write failed.
    const done = Promise.allSettled([written, hashed]).then(([write, hashing]) => {
      if (write.status === 'rejected') this.failure ??= write.reason;
      if (hashing.status === 'rejected') this.failure ??= hashing.reason;
    });
    const tracked = done.finally(() => {
      this.inFlight.delete(tracked);
      this.pool.give(slot);
    });
    this.inFlight.add(tracked);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
