/**
 * Bounded async queue between a camera and the pipeline. When full, the OLDEST item is dropped
 * and counted (Frigate's skipped_eps): a stale frame is worth less than a fresh one, and the
 * queue must never grow without bound when inference falls behind.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = [];
  private closed = false;
  private failure: unknown = undefined;
  private droppedCount = 0;

  constructor(
    readonly capacity: number,
    private readonly onDrop?: (item: T) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be an integer >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Add an item; returns false when an older item had to be dropped to make room (or the queue is closed). */
  push(item: T): boolean {
    if (this.closed) return false;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve({ value: item, done: false });
      return true;
    }
    let kept = true;
    if (this.items.length >= this.capacity) {
      const old = this.items.shift() as T;
      this.droppedCount++;
      kept = false;
      this.onDrop?.(old);
    }
    this.items.push(item);
    return kept;
  }

  /** No more items: consumers drain what is queued, then see the end. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }

  /** End with an error: consumers drain what is queued, then the error is thrown to them. */
  fail(err: unknown): void {
    if (this.closed) return;
    this.failure = err ?? new Error('queue failed');
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }

  /** Drop everything queued (e.g. on abort) without counting it as back-pressure drops. */
  clear(): void {
    this.items.length = 0;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.closed) {
      return this.failure !== undefined ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
