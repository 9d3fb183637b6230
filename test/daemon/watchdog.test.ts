import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/log.js';
import { createWatchdog, watchdogIntervalMs } from '../../src/daemon/watchdog.js';
import { FakeClock } from '../fakes/clock.js';

describe('watchdogIntervalMs', () => {
  it.each([
    [undefined, undefined, null],
    ['10000000', undefined, 5000],
    ['10000000', '42', 5000],
    ['10000000', '43', null], // meant for another process
    ['0', undefined, null],
    ['abc', undefined, null],
  ])('WATCHDOG_USEC=%s WATCHDOG_PID=%s → %s', (usec, pid, ms) => {
    expect(watchdogIntervalMs(usec, pid, 42)).toBe(ms);
  });
});

describe('watchdog', () => {
  it('pings at the interval only while progress is made, stops when it stops, resumes after', () => {
    const clock = new FakeClock(0);
    const pings: number[] = [];
    const wd = createWatchdog({ notify: { watchdog: () => void pings.push(clock.now()) }, intervalMs: 5000, stallMs: 3000, clock, log: silentLogger });
    wd.start();
    for (let t = 1000; t <= 20_000; t += 1000) {
      clock.advanceTo(t);
      wd.progress();
    }
    expect(pings).toEqual([0, 5000, 10_000, 15_000, 20_000]);
    clock.advanceTo(60_000); // frames stop
    expect(pings).toHaveLength(5);
    expect(wd.stats().withheld).toBe(8);
    clock.advanceTo(63_000);
    wd.progress(); // frames again
    clock.advanceTo(65_000);
    expect(pings.at(-1)).toBe(65_000);
    wd.stop();
    clock.advanceTo(100_000);
    expect(pings.at(-1)).toBe(65_000);
    expect(clock.pending).toBe(0);
  });

  it('error verdicts are not progress: a stream of them stops the pings, a real inference resumes them', () => {
    const clock = new FakeClock(0);
    const pings: number[] = [];
    const statuses: string[] = [];
    const notify = { watchdog: () => void pings.push(clock.now()), status: (text: string) => void statuses.push(`${clock.now()} ${text}`) };
    const wd = createWatchdog({ notify, intervalMs: 1000, stallMs: 2500, clock, log: silentLogger });
    wd.start();
    clock.advanceTo(500);
    wd.progress(); // last real inference at 500
    for (let t = 600; t <= 10_000; t += 100) {
      clock.advanceTo(t);
      wd.failed(); // every frame an error (all workers dead)
    }
    // Pings at 0, 1000, 2000, 3000 (idle 2500 ≤ stall); from 4000 on the errors are idle time.
    expect(pings).toEqual([0, 1000, 2000, 3000]);
    expect(wd.stats()).toMatchObject({ withheld: 7, failing: true });
    clock.advanceTo(10_500);
    wd.progress();
    clock.advanceTo(11_000);
    expect(pings.at(-1)).toBe(11_000);
    expect(wd.stats().failing).toBe(false);
    // systemctl status says why the pings stopped, once, and when they came back.
    expect(statuses).toEqual(['4000 stalled: every frame fails, no real inference', '11000 inspecting: progress resumed']);
    wd.stop();
  });

  it('camera frames between parts keep an idle trigger line alive, but not after an error until a real inference', () => {
    const clock = new FakeClock(0);
    const pings: number[] = [];
    const wd = createWatchdog({ notify: { watchdog: () => void pings.push(clock.now()) }, intervalMs: 1000, stallMs: 2500, clock, log: silentLogger });
    wd.start();
    const frames = (from: number, to: number) => {
      for (let t = from; t <= to; t += 100) {
        clock.advanceTo(t);
        wd.cameraFrame();
      }
    };
    frames(100, 5000); // no part at all: the camera alone shows the station is alive
    expect(pings).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    wd.failed(); // a part at 5000 could not be inspected
    frames(5100, 9000);
    expect(pings.at(-1)).toBe(7000); // 5000 + stall 2500 → last ping at 7000, then withheld
    expect(wd.stats().withheld).toBe(2);
    wd.progress(); // the next part is inspected for real
    frames(9100, 12_000);
    expect(pings.slice(-3)).toEqual([10_000, 11_000, 12_000]);
    wd.stop();
    expect(clock.pending).toBe(0);
  });
});
