/**
 * A few large buffers in shared memory, reused in turn: the producer fills one while others are being written
 * and hashed. Shared memory lets the hashing thread read a slot without a copy. Slots are allocated on first
 * use, so a small file costs one slot, not the whole pool.
 */
export class SlotPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: ((slot: Buffer) => void)[] = [];
  private allocated = 0;

  constructor(
    private readonly count: number,
    readonly slotSize: number,
  ) {}

  take(): Promise<Buffer> {
    const slot = this.free.pop();
    if (slot) return Promise.resolve(slot);
    if (this.allocated < this.count) {
      this.allocated++;
      return Promise.resolve(Buffer.from(new SharedArrayBuffer(this.slotSize)));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(slot: Buffer): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(slot);
    else this.free.push(slot);
  }
}
