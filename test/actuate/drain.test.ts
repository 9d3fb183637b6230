/**
 * Stop semantics of the PLC outputs (src/actuate/plc.ts close() + src/actuate/drain.ts): a stop
 * must not cancel the pulses of parts already decided. Regression for issue 9 item 1: a finite
 * replay with travel_ms 300 ended with 11 reject rows and 9 pulses ("closing drops scheduled
 * reject pulses"). Strict fake GPIO, fake clock, exact timings.
 */
import { describe, expect, it } from 'vitest';
import { drainBoundMs, DRAIN_SLACK_MS } from '../../src/actuate/drain.js';
import { createPlcSignals, type PlcOptions } from '../../src/actuate/plc.js';
import type { Logger } from '../../src/platform/log.js';
import { silentLogger } from '../../src/platform/log.js';
import { FakeClock } from '../fakes/clock.js';
import { StrictGpio } from '../fakes/gpio.js';

function rig(over: Partial<PlcOptions> = {}) {
  const clock = new FakeClock(1000);
  const gpio = new StrictGpio(() => clock.now());
  const plc = createPlcSignals({ gpio, travelMs: 300, pulseMs: 50, strobeMs: 10, decisionMarginMs: 5, stallMs: 3000, clock, log: silentLogger, ...over });
  return { clock, gpio, plc };
}

/** Resolved-or-not without waiting: close() must not resolve before the drain is over. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('PLC close(): scheduled reject pulses are driven before the outputs go safe', () => {
  it('every reject decided before the stop gets its pulse at capture + travel; close resolves after the last one', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    plc.setReady(true);
    // 5 fps, travel 300: at the last decision two pulses are still ahead (as at the end of a replay).
    const parts = [0, 200, 400].map((dt, i) => ({ seq: i + 1, capturedAt: 1000 + dt }));
    for (const p of parts) {
      clock.advanceTo(p.capturedAt);
      plc.expect(p);
      clock.advance(40);
      plc.decided(p, true);
    }
    clock.advanceTo(1450);
    const closed = plc.close();
    // ready and the heartbeat drop at once; reject stays usable for what is scheduled.
    expect(gpio.value('ready')).toBe(0);
    expect(gpio.value('heartbeat')).toBe(0);
    expect(gpio.state).toBe('open');
    clock.advanceTo(1549);
    expect(await settled(closed)).toBe(false);
    clock.advanceTo(1699); // part 3's pulse: 1700..1750
    expect(await settled(closed)).toBe(false);
    clock.advanceTo(1750);
    await closed;
    expect(gpio.pulses('reject')).toEqual([
      { start: 1300, end: 1350 },
      { start: 1500, end: 1550 },
      { start: 1700, end: 1750 },
    ]);
    expect(plc.stats()).toMatchObject({ rejected: 3, pulses: 3, dropped: 0 });
    for (const line of ['reject', 'ready', 'heartbeat', 'result_valid'] as const) expect(gpio.value(line)).toBe(0);
    expect(gpio.state).toBe('closed');
    expect(clock.pending).toBe(0);
  });

  it('a decision that arrives during the drain still gets its pulse; a part with none is rejected at its deadline', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    const a = { seq: 1, capturedAt: 1000 };
    const b = { seq: 2, capturedAt: 1100 };
    plc.expect(a);
    clock.advanceTo(1100);
    plc.expect(b);
    const closed = plc.close();
    clock.advance(50);
    plc.decided(a, true); // the pipeline's last decision, after the stop began
    plc.expect({ seq: 3, capturedAt: clock.now() }); // nothing new is taken in while stopping
    clock.advance(1000);
    await closed;
    // b: no decision by 1100 + 300 − 5 → fail-safe reject at 1400 (on_late reject).
    expect(gpio.pulses('reject')).toEqual([{ start: 1300, end: 1350 }, { start: 1400, end: 1450 }]);
    expect(plc.stats()).toMatchObject({ expected: 2, rejected: 2, late: 1, pulses: 2, dropped: 0 });
  });

  it('with nothing scheduled, close does not wait', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    plc.decided({ seq: 1, capturedAt: clock.now() }, false);
    clock.advance(100); // the strobe is over
    await plc.close();
    expect(gpio.state).toBe('closed');
    expect(clock.now()).toBe(1100);
  });

  it('is bounded: what is not out by travel + pulse + strobe + slack is dropped, counted and logged, and the line ends safe', async () => {
    const warns: Array<Record<string, unknown>> = [];
    const log: Logger = { ...silentLogger, warn: (o) => void warns.push(o as Record<string, unknown>) };
    const { clock, gpio, plc } = rig({ log });
    await plc.start();
    // A capture time stamped ahead of the clock stands for a part whose pulse falls past the bound.
    const bound = drainBoundMs({ travelMs: 300, pulseMs: 50, strobeMs: 10 });
    expect(bound).toBe(300 + 50 + 20 + DRAIN_SLACK_MS);
    plc.decided({ seq: 7, capturedAt: 1000 + bound }, true);
    const closed = plc.close();
    clock.advance(bound - 1);
    expect(await settled(closed)).toBe(false);
    clock.advance(1);
    await closed;
    expect(gpio.of('reject')).toEqual([]);
    expect(plc.stats().dropped).toBe(1);
    expect(warns).toContainEqual(expect.objectContaining({ code: 'GPIO_REJECT_DROPPED', pulses: 1, first_seq: 7 }));
    expect(gpio.value('reject')).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('close() during the drain returns the same stop; the port is closed once', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    plc.decided({ seq: 1, capturedAt: 1000 }, true);
    const first = plc.close();
    expect(plc.close()).toBe(first);
    clock.advance(1000);
    await first;
    expect(gpio.closes).toBe(1);
    expect(gpio.pulses('reject')).toEqual([{ start: 1300, end: 1350 }]);
  });
});
