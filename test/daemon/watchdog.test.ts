import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/capture/log.js';
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
});
