import type { Clock, TimerHandle } from '../../src/platform/clock.js';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
  every?: number;
}

/**
 * A deterministic clock for timing tests: time moves only in advance(); timers fire in due order
 * (ties in creation order) with now() equal to their due time, so recorded timings are exact.
 */
export class FakeClock implements Clock {
  private t: number;
  private nextId = 1;
  private timers = new Map<number, Timer>();

  constructor(start = 1000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    if (!(ms > 0)) throw new RangeError('interval must be > 0');
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.t + ms, fn, every: ms });
    return id;
  }

  clearInterval(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Pending timers (intervals included). */
  get pending(): number {
    return this.timers.size;
  }

  /** When each pending timer falls due, earliest first: finds one timer among others (a camera's pacing). */
  get dues(): number[] {
    return [...this.timers.values()].map((tm) => tm.due).sort((a, b) => a - b);
  }

  /** When the earliest pending timer falls due; undefined when none is pending. Lets a driver
   *  jump straight to it, so what the code under test reads from now() is exactly that time. */
  get nextDue(): number | undefined {
    let due: number | undefined;
    for (const tm of this.timers.values()) if (due === undefined || tm.due < due) due = tm.due;
    return due;
  }

  /** Jump to the earliest pending timer and fire it (and any due with it); returns how far off it
   *  was, so a test reads a delay the code armed exactly. Throws when nothing is pending. */
  fireNext(): number {
    const due = this.nextDue;
    if (due === undefined) throw new Error('FakeClock.fireNext: no timer pending');
    const delay = due - this.t;
    this.advanceTo(due);
    return delay;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      let next: Timer | undefined;
      for (const tm of this.timers.values()) if (tm.due <= target && (!next || tm.due < next.due || (tm.due === next.due && tm.id < next.id))) next = tm;
      if (!next) break;
      this.t = next.due;
      if (next.every) next.due += next.every;
      else this.timers.delete(next.id);
      next.fn();
    }
    this.t = target;
  }
}
