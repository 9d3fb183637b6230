import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlcSignals, type PlcOptions } from '../../src/actuate/plc.js';
import { SimGpio } from '../../src/actuate/sim.js';
import { silentLogger } from '../../src/platform/log.js';
import { FakeClock } from '../fakes/clock.js';
import { StrictGpio } from '../fakes/gpio.js';

function rig(over: Partial<PlcOptions> = {}) {
  const clock = new FakeClock(1000);
  const gpio = new StrictGpio(() => clock.now());
  const plc = createPlcSignals({ gpio, travelMs: 200, pulseMs: 50, strobeMs: 10, decisionMarginMs: 5, stallMs: 3000, clock, log: silentLogger, ...over });
  return { clock, gpio, plc };
}

describe('PLC signals: reject pulses', () => {
  it('a defect yields exactly one pulse of pulseMs at capture + travel, and one strobe', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    const part = { seq: 1, capturedAt: clock.now() };
    plc.expect(part);
    clock.advance(30);
    plc.decided(part, true);
    clock.advance(1000);
    expect(gpio.pulses('reject')).toEqual([{ start: 1200, end: 1250 }]);
    expect(gpio.pulses('result_valid')).toEqual([{ start: 1030, end: 1040 }]);
    expect(plc.stats()).toMatchObject({ rejected: 1, pulses: 1, late: 0, inFlight: 0 });
  });

  it('a pass drives no reject, only the result-valid strobe', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    const part = { seq: 1, capturedAt: clock.now() };
    plc.expect(part);
    clock.advance(20);
    plc.decided(part, false);
    clock.advance(1000);
    expect(gpio.of('reject')).toEqual([]);
    expect(gpio.pulses('result_valid')).toHaveLength(1);
  });

  it('keeps a FIFO of parts in flight: each pulse at its own capture + travel', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    // Parts every 80 ms, 200 ms travel: two or three parts between camera and ejector at once.
    const parts = [0, 80, 160, 240].map((dt, i) => ({ seq: i + 1, capturedAt: 1000 + dt }));
    for (const p of parts) {
      clock.advanceTo(p.capturedAt);
      plc.expect(p);
    }
    clock.advanceTo(1250); // decisions come late-ish but before each deadline
    plc.decided(parts[0], true); // deadline 1195 passed → handled as late already
    plc.decided(parts[1], false);
    plc.decided(parts[2], true);
    plc.decided(parts[3], true);
    clock.advance(1000);
    expect(gpio.pulses('reject')).toEqual([
      { start: 1200, end: 1250 }, // part 1: late → rejected by policy
      { start: 1360, end: 1410 }, // part 3
      { start: 1440, end: 1490 }, // part 4
    ]);
    expect(plc.stats()).toMatchObject({ late: 1, lateDecisions: 1, merged: 0 });
  });

  it('merges pulses that would overlap (never two rising edges on one high line) and counts it', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    const a = { seq: 1, capturedAt: 1000 };
    const b = { seq: 2, capturedAt: 1020 };
    plc.expect(a);
    clock.advanceTo(1020);
    plc.expect(b);
    clock.advanceTo(1100);
    plc.decided(a, true);
    plc.decided(b, true);
    clock.advance(1000);
    expect(gpio.pulses('reject')).toEqual([{ start: 1200, end: 1270 }]);
    expect(plc.stats()).toMatchObject({ rejected: 2, pulses: 1, merged: 1 });
  });

  it('extends a pulse that is already high when the next part overlaps it', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    const a = { seq: 1, capturedAt: 1000 };
    plc.expect(a);
    clock.advanceTo(1100);
    plc.decided(a, true);
    const b = { seq: 2, capturedAt: 1030 };
    plc.expect(b);
    clock.advanceTo(1210); // a's pulse is high
    // b's decision arrives before its deadline (1225) while a's pulse is on the line.
    plc.decided(b, true);
    clock.advance(1000);
    expect(gpio.pulses('reject')).toEqual([{ start: 1200, end: 1280 }]);
  });

  it('travel 0: the pulse goes out at the decision (PLC shifts it), no deadline', async () => {
    const { clock, gpio, plc } = rig({ travelMs: 0 });
    await plc.start();
    const part = { seq: 7, capturedAt: 1000 };
    plc.expect(part);
    clock.advance(5000);
    expect(plc.stats().late).toBe(0);
    plc.decided(part, true);
    clock.advance(100);
    expect(gpio.pulses('reject')).toEqual([{ start: 6000, end: 6050 }]);
  });

  it('a reject for a part already past the ejector is counted as missed, not pulsed onto the next part', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    clock.advanceTo(1300);
    plc.decided({ seq: 1, capturedAt: 1000 }, true); // never expected; due 1200 < now
    clock.advance(1000);
    expect(gpio.of('reject')).toEqual([]);
    expect(plc.stats().missed).toBe(1);
  });

  it('refuses a travel time inside the decision margin', () => {
    expect(() => rig({ travelMs: 5, decisionMarginMs: 5 })).toThrow(/travel_ms/);
  });
});

describe('PLC signals: fail-safe', () => {
  it('a decision in time is applied (decided() returns nothing)', async () => {
    const { clock, plc } = rig();
    await plc.start();
    plc.expect({ seq: 1, capturedAt: 1000 });
    clock.advance(100);
    expect(plc.decided({ seq: 1, capturedAt: 1000 }, true)).toBeUndefined();
  });

  it('a part without a decision by capture + travel − margin is rejected (default policy)', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    plc.expect({ seq: 1, capturedAt: 1000 });
    clock.advance(194);
    expect(plc.stats().late).toBe(0);
    clock.advance(1); // 1195 = 1000 + 200 − 5
    expect(plc.stats().late).toBe(1);
    clock.advance(1000);
    expect(gpio.pulses('reject')).toEqual([{ start: 1200, end: 1250 }]);
    // The decision that finally arrives changes nothing, and says so to the caller.
    expect(plc.decided({ seq: 1, capturedAt: 1000 }, false)).toBe('late');
    clock.advance(1000);
    expect(gpio.pulses('reject')).toHaveLength(1);
    expect(plc.stats().lateDecisions).toBe(1);
  });

  it('onLate pass lets a late part through (and says so in the stats)', async () => {
    const { clock, gpio, plc } = rig({ policy: { onLate: 'pass' } });
    await plc.start();
    plc.expect({ seq: 1, capturedAt: 1000 });
    clock.advance(2000);
    expect(gpio.of('reject')).toEqual([]);
    expect(plc.stats()).toMatchObject({ late: 1, passed: 1 });
  });

  it('failed() rejects by default and passes under onError pass', async () => {
    for (const [policy, pulses] of [['reject', 1], ['pass', 0]] as const) {
      const { clock, gpio, plc } = rig({ policy: { onError: policy } });
      await plc.start();
      const part = { seq: 1, capturedAt: 1000 };
      plc.expect(part);
      clock.advance(10);
      plc.failed(part, 'FRAME_DECODE');
      clock.advance(1000);
      expect(gpio.pulses('reject')).toHaveLength(pulses);
      expect(plc.stats().failed).toBe(1);
    }
  });

  it('strobes stay distinct when decisions come faster than a strobe', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    plc.decided({ seq: 1, capturedAt: 1000 }, false);
    plc.decided({ seq: 2, capturedAt: 1000 }, false);
    plc.decided({ seq: 3, capturedAt: 1000 }, false);
    clock.advance(1000);
    expect(gpio.pulses('result_valid')).toEqual([
      { start: 1000, end: 1010 },
      { start: 1020, end: 1030 },
      { start: 1040, end: 1050 },
    ]);
  });
});

describe('PLC signals: ready and heartbeat', () => {
  it('heartbeat toggles at 1 Hz while frames are decided and stops (low) when they stop; ready drops', async () => {
    const { clock, gpio, plc } = rig({ stallMs: 1000 });
    await plc.start();
    plc.setReady(true);
    expect(gpio.value('ready')).toBe(1);
    let seq = 0;
    for (let i = 0; i < 30; i++) {
      clock.advance(100);
      plc.decided({ seq: ++seq, capturedAt: clock.now() }, false);
    } // 3 s of frames: until t = 4000
    const hb = gpio.of('heartbeat');
    expect(hb.map((c) => c.t)).toEqual([1000, 1500, 2000, 2500, 3000, 3500, 4000]);
    expect(hb.map((c) => c.value)).toEqual([1, 0, 1, 0, 1, 0, 1]);
    clock.advance(10_000); // frames stop
    expect(gpio.value('ready')).toBe(0);
    expect(gpio.value('heartbeat')).toBe(0);
    const stoppedAt = gpio.of('ready').at(-1)!.t;
    expect(stoppedAt).toBe(5000); // last decision 4000 + stallMs
    expect(gpio.of('heartbeat').filter((c) => c.t > stoppedAt)).toEqual([]);
    // Frames again: ready and heartbeat come back.
    plc.decided({ seq: ++seq, capturedAt: clock.now() }, false);
    expect(gpio.value('ready')).toBe(1);
    expect(gpio.value('heartbeat')).toBe(1);
  });

  it('ready follows setReady(false) at once (e.g. fatal camera fault)', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    plc.setReady(true);
    clock.advance(100);
    plc.setReady(false);
    expect(gpio.value('ready')).toBe(0);
    clock.advance(5000);
    plc.decided({ seq: 1, capturedAt: clock.now() }, false);
    expect(gpio.value('ready')).toBe(0); // progress alone does not override the daemon
  });

  it('close drives every output low, releases the port, clears all timers, and ignores later calls', async () => {
    const { clock, gpio, plc } = rig();
    await plc.start();
    plc.setReady(true);
    const a = { seq: 1, capturedAt: 1000 };
    plc.expect(a);
    plc.decided(a, true);
    plc.expect({ seq: 2, capturedAt: 1100 });
    clock.advanceTo(1210); // reject is high mid-pulse, result_valid low, heartbeat high
    expect(gpio.value('reject')).toBe(1);
    const closed = plc.close();
    clock.advance(1000); // the drain: part 1's pulse ends, part 2 (no decision) is rejected at its deadline
    await closed;
    expect(gpio.pulses('reject')).toEqual([{ start: 1200, end: 1250 }, { start: 1300, end: 1350 }]);
    for (const line of ['reject', 'ready', 'heartbeat', 'result_valid'] as const) expect(gpio.value(line)).toBe(0);
    expect(gpio.state).toBe('closed');
    expect(clock.pending).toBe(0);
    await plc.close(); // idempotent
    expect(gpio.closes).toBe(1);
    plc.decided({ seq: 3, capturedAt: clock.now() }, true); // ignored, does not throw into a closed port
    expect(() => gpio.set('reject', 1)).toThrow(/closed/);
  });

  it('refuses use before start()', () => {
    const { plc } = rig();
    expect(() => plc.expect({ seq: 1, capturedAt: 0 })).toThrow(/before start/);
  });
});

describe('PLC signals on the simulated chip', () => {
  it('the sim log holds the exact timings after close()', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'inspectd-sim-'));
    try {
      const clock = new FakeClock(1000);
      const logPath = join(dir, 'gpio.jsonl');
      const gpio = new SimGpio({ logPath, now: () => clock.now(), epochOffset: 0 });
      const plc = createPlcSignals({ gpio, travelMs: 200, pulseMs: 50, strobeMs: 10, clock, log: silentLogger });
      await plc.start();
      const part = { seq: 1, capturedAt: 1000 };
      plc.expect(part);
      clock.advance(40);
      plc.decided(part, true);
      clock.advance(500);
      await plc.close();
      const lines = (await readFile(logPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toEqual([
        { t: 1000, line: 'reject', value: 0 },
        { t: 1000, line: 'ready', value: 0 },
        { t: 1000, line: 'heartbeat', value: 0 },
        { t: 1000, line: 'result_valid', value: 0 },
        { t: 1040, line: 'result_valid', value: 1 },
        { t: 1050, line: 'result_valid', value: 0 },
        { t: 1200, line: 'reject', value: 1 },
        { t: 1250, line: 'reject', value: 0 },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
