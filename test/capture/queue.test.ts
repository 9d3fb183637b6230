import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/capture/queue.js';

async function drain<T>(q: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of q) out.push(x);
  return out;
}

describe('BoundedQueue', () => {
  it('drops the oldest item when full and counts it', async () => {
    const dropped: number[] = [];
    const q = new BoundedQueue<number>(3, (x) => dropped.push(x));
    const kept = [1, 2, 3, 4, 5].map((x) => q.push(x));
    expect(kept).toEqual([true, true, true, false, false]);
    expect(q.dropped).toBe(2);
    expect(dropped).toEqual([1, 2]);
    q.close();
    expect(await drain(q)).toEqual([3, 4, 5]);
  });

  it('hands an item straight to a waiting consumer (never counted as queued or dropped)', async () => {
    const q = new BoundedQueue<string>(1);
    const next = q.next();
    q.push('a');
    q.push('b');
    expect(await next).toEqual({ value: 'a', done: false });
    expect(q.size).toBe(1);
    expect(q.dropped).toBe(0);
  });

  it('close() lets consumers drain what is queued, then ends; pushes after close are refused', async () => {
    const q = new BoundedQueue<number>(4);
    q.push(1);
    q.push(2);
    q.close();
    expect(q.push(3)).toBe(false);
    expect(await drain(q)).toEqual([1, 2]);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('close() wakes a waiting consumer with the end', async () => {
    const q = new BoundedQueue<number>(2);
    const waiting = drain(q);
    q.push(7);
    q.close();
    expect(await waiting).toEqual([7]);
  });

  it('fail() delivers queued items, then throws the error', async () => {
    const q = new BoundedQueue<number>(2);
    q.push(1);
    q.fail(new Error('camera died'));
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const x of q) got.push(x);
      })(),
    ).rejects.toThrow('camera died');
    expect(got).toEqual([1]);
  });

  it('breaking out of for-await closes the queue', async () => {
    const q = new BoundedQueue<number>(4);
    q.push(1);
    q.push(2);
    for await (const x of q) {
      expect(x).toBe(1);
      break;
    }
    expect(q.isClosed).toBe(true);
    expect(q.push(3)).toBe(false);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });

  it('hands every dropped item to the drop hook, oldest first: kept + dropped = pushed', async () => {
    const dropped: number[] = [];
    const q = new BoundedQueue<number>(2, (x) => dropped.push(x));
    const first = q.next(); // a waiting consumer takes 1 straight away
    for (let i = 1; i <= 8; i++) q.push(i);
    q.close();
    const kept = [(await first).value as number, ...(await drain(q))];
    expect(dropped).toEqual([2, 3, 4, 5, 6]);
    expect(kept).toEqual([1, 7, 8]);
    expect([...kept, ...dropped].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(q.dropped).toBe(dropped.length);
  });
});
