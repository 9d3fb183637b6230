import { afterEach, describe, expect, it } from 'vitest';
import type { Publisher, PublisherOptions } from '../../src/publish/index.js';
import { startHarness, type Harness } from './harness.js';

// The real pipeline, decision and PLC signals in-process on a fake clock (test/daemon/harness.ts):
// shots are captured at exact fake times, so every reject edge is asserted to the millisecond.
// travel 200 ms, pulse 20 ms, decision margin 5 ms: a part captured at t is rejected by a pulse
// on [t + 200, t + 220), and its decision is late after t + 195.
const GPIO = 'travel_ms: 200, pulse_ms: 20, strobe_ms: 5, decision_margin_ms: 5';
let h: Harness | undefined;
afterEach(async () => {
  if (h) await h.stop();
  h?.close();
  h = undefined;
});

describe('daemon in-process (scripted camera, fake inspector, strict GPIO, fake clock)', () => {
  it('a defect gives exactly one reject pulse, at capture + travel (not decision + travel); goods give none', async () => {
    // The defect's score comes 80 ms after capture: the pulse still starts at 1150 + 200.
    h = await startHarness({ gpio: GPIO, shots: [{ at: 1100, data: 'good' }, { at: 1150, data: 'slow:80:defect' }, { at: 1300, data: 'good' }] });
    await h.runUntil(1600);
    expect(h.gpio.pulses('reject')).toEqual([{ start: 1350, end: 1370 }]);
    expect(h.results.map((r) => [r.seq, r.verdict])).toEqual([[1, 'pass'], [2, 'reject'], [3, 'pass']]);
  });

  it('a frame that cannot be inspected is rejected at capture + travel (gpio.on_error: reject)', async () => {
    h = await startHarness({ gpio: GPIO, shots: [{ at: 1100, data: 'broken' }] });
    await h.runUntil(1500);
    expect(h.gpio.pulses('reject')).toEqual([{ start: 1300, end: 1320 }]);
    expect(h.results).toHaveLength(1);
    expect(h.results[0]).toMatchObject({ seq: 1, verdict: 'error', error: { code: 'FRAME_DECODE' } });
    // The PLC counts it as a failed inspection, not as a plain reject decision (operators filter
    // on plc.failed in the stats line; it stayed 0 when failures went through decided()).
    expect(h.app.stats().plc).toMatchObject({ failed: 1, rejected: 1, passed: 0 });
  });

  it('with gpio.on_error: pass a failed frame gives no pulse and still counts as failed', async () => {
    h = await startHarness({ gpio: `${GPIO}, on_error: pass`, shots: [{ at: 1100, data: 'broken' }, { at: 1150, data: 'defect' }] });
    await h.runUntil(1500);
    expect(h.gpio.pulses('reject')).toEqual([{ start: 1350, end: 1370 }]);
    expect(h.app.stats().plc).toMatchObject({ failed: 1, rejected: 1, passed: 1 });
  });

  it('a decision after the deadline is rejected at capture + travel (gpio.on_late: reject) and recorded as DECISION_LATE', async () => {
    // A good part whose score arrives 250 ms after capture: 55 ms past its deadline at 1295.
    h = await startHarness({ gpio: GPIO, shots: [{ at: 1100, data: 'slow:250:good' }] });
    await h.runUntil(1500);
    expect(h.gpio.pulses('reject')).toEqual([{ start: 1300, end: 1320 }]);
    expect(h.results).toHaveLength(1);
    expect(h.results[0]).toMatchObject({ seq: 1, verdict: 'error', error: { code: 'DECISION_LATE' }, latency_ms: 250 });
  });

  it('a decision just inside the deadline passes: no pulse', async () => {
    h = await startHarness({ gpio: GPIO, shots: [{ at: 1100, data: 'slow:190:good' }] });
    await h.runUntil(1500);
    expect(h.gpio.pulses('reject')).toEqual([]);
    expect(h.results.map((r) => r.verdict)).toEqual(['pass']);
  });

  it('stop drains pending pulses: a reject decided before the stop still fires on time, then the lines close', async () => {
    h = await startHarness({ gpio: GPIO, shots: [{ at: 1100, data: 'defect' }, { at: 1120, data: 'defect' }] });
    await h.runUntil(1150); // both decided; their pulses are due at 1300 and 1320
    expect(h.gpio.pulses('reject')).toEqual([]);
    const stoppedAt = await h.stop();
    const harness = h;
    h = undefined;
    harness.close();
    // Back-to-back pulses merge into one high stretch covering both parts (the PLC sees no gap).
    expect(harness.gpio.pulses('reject')).toEqual([{ start: 1300, end: 1340 }]);
    expect(harness.gpio.value('ready')).toBe(0);
    expect(harness.gpio.state).toBe('closed');
    expect(stoppedAt).toBeGreaterThanOrEqual(1340);
    expect(harness.results.map((r) => r.verdict)).toEqual(['reject', 'reject']);
  });

  it('a stop signal while start-up opens the GPIO lines ends cleanly (was: GPIO_STATE "setReady before start()")', async () => {
    let stopping: Promise<void> | undefined;
    h = await startHarness({ gpio: GPIO, shots: [{ at: 1100, data: 'defect' }], onGpioOpen: (app) => { stopping = app.stop('signal during start-up'); } });
    await h.stop();
    expect(stopping).toBeDefined();
    await expect(stopping).resolves.toBeUndefined();
    expect(h.gpio.pulses('reject')).toEqual([]);
    expect(h.gpio.state).toBe('closed');
  });
});

describe('commands during start-up', () => {
  it('a trigger command before the camera is open gets a clear error, not a TypeError', async () => {
    let command: PublisherOptions['onCommand'];
    const publisher: Publisher = {
      connected: true, publishStats: () => {}, publishFault: () => {}, publishState: () => {}, publishRetained: () => {}, kick: () => {},
      stats: () => ({}) as ReturnType<Publisher['stats']>, close: async () => {},
    };
    let answer: Promise<string> | undefined;
    // MQTT is open before the GPIO lines and the camera: a command can arrive in between.
    h = await startHarness({
      gpio: GPIO, shots: [],
      publisher: (opts) => ((command = opts.onCommand), publisher),
      // Caught at once: start-up goes on while the answer waits to be read.
      onGpioOpen: () => { answer = command!('trigger', {}).then(() => 'answered ok', (err: Error) => err.message); },
    });
    expect(await answer).toBe('trigger: the camera is not open yet (the daemon is starting)');
  });
});
