/**
 * Regression test for a defect (fixed in src/actuate/plc.ts startPulse/strobe), found by
 * test/reliability/diskFull: the daemon's final stats said plc.pulses 192 / strobes 240 while the
 * sim GPIO log showed 185 reject and 227 result_valid rising edges for the same run.
 *
 * Cause: when a timer is late (a busy event loop — Node timers are not real time), a new pulse
 * can start after the previous pulse's nominal end but BEFORE its end timer has run. startPulse()
 * sets `reject` to 1 while it is still 1 (no edge), then the overdue end timer of the previous
 * pulse sets it to 0 — so the second rejected part gets no pulse at all, while the counters say
 * it did. The result_valid strobe has the same race (its up() runs while the previous strobe's
 * down timer is overdue). A part that should be ejected is not: this is on the safety path.
 *
 * Reproduced deterministically with a clock whose timers fire only when the test says so (an
 * event loop that was busy for a few ms).
 * The fix: a pulse (or strobe) that starts while the previous one's end timer is still pending
 * ends the previous one first, so each part gets its own edge.
 */
import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../../src/platform/clock.js';
import { createPlcSignals } from '../../src/actuate/plc.js';
import { SimGpio } from '../../src/actuate/sim.js';
import { silentLogger } from '../../src/platform/log.js';

/** Time moves with set(); due timers run only in fire(), in due order — a late event loop. */
class LaggyClock implements Clock {
  t = 1000;
  private id = 0;
  private timers = new Map<number, { due: number; fn: () => void; every?: number }>();
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number): TimerHandle => {
    this.timers.set(++this.id, { due: this.t + Math.max(0, ms), fn });
    return this.id;
  };
  clearTimeout = (h: TimerHandle) => void this.timers.delete(h as number);
  setInterval = (fn: () => void, ms: number): TimerHandle => {
    this.timers.set(++this.id, { due: this.t + ms, fn, every: ms });
    return this.id;
  };
  clearInterval = (h: TimerHandle) => void this.timers.delete(h as number);
  /** Run every timer due by now, in due order (what the event loop does once it is free). */
  fire(): void {
    for (;;) {
      const next = [...this.timers.entries()].filter(([, x]) => x.due <= this.t).sort((a, b) => a[1].due - b[1].due)[0];
      if (!next) return;
      const [id, x] = next;
      if (x.every) x.due += x.every;
      else this.timers.delete(id);
      x.fn();
    }
  }
}

function rises(gpio: SimGpio, line: 'reject' | 'result_valid'): number {
  let level = 0;
  let n = 0;
  for (const c of gpio.changes) {
    if (c.line !== line) continue;
    if (c.value === 1 && level === 0) n++;
    level = c.value;
  }
  return n;
}

async function rig() {
  const clock = new LaggyClock();
  const gpio = new SimGpio({ now: clock.now, epochOffset: 0 });
  const plc = createPlcSignals({ gpio, travelMs: 0, pulseMs: 5, strobeMs: 1, clock, log: silentLogger });
  await plc.start();
  return { clock, gpio, plc };
}

describe('a late timer must not swallow the next reject pulse / strobe (src/actuate/plc.ts)', () => {
  it('two rejects 7 ms apart with the first pulse (5 ms) ending late: two reject pulses on the line', async () => {
    const { clock, gpio, plc } = await rig();
    plc.decided({ seq: 1, capturedAt: clock.t }, true); // pulse A: 1000..1005
    clock.t += 7; // the loop was busy: A's end timer (due 1005) has not run yet
    plc.decided({ seq: 2, capturedAt: clock.t }, true); // pulse B: 1007..1012, not overlapping A
    clock.fire(); // A's overdue end drops the line B just "raised"
    clock.t += 20;
    clock.fire();
    expect(plc.stats().pulses).toBe(2);
    expect(rises(gpio, 'reject')).toBe(2); // the line showed 1
    await plc.close();
  });

  it('two decisions whose strobes are due back to back with a late down timer: two strobes on the line', async () => {
    const { clock, gpio, plc } = await rig();
    plc.decided({ seq: 1, capturedAt: clock.t }, false); // strobe 1000..1001, next free at 1002
    clock.t += 3; // down timer (due 1001) overdue
    plc.decided({ seq: 2, capturedAt: clock.t }, false);
    clock.fire();
    clock.t += 20;
    clock.fire();
    expect(plc.stats().strobes).toBe(2);
    expect(rises(gpio, 'result_valid')).toBe(2);
    await plc.close();
  });
});
