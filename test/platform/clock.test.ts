import { describe, expect, it } from 'vitest';
import { systemClock, unrefTimer } from '../../src/platform/clock.js';
import { FakeClock } from '../fakes/clock.js';

describe('unrefTimer', () => {
  it("unrefs a system-clock timer (a background poll must not keep a finished run alive); it still fires", async () => {
    let fired = false;
    const h = unrefTimer(systemClock.setTimeout(() => (fired = true), 1)) as NodeJS.Timeout;
    expect(h.hasRef()).toBe(false);
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).toBe(true);
  });

  it("leaves a fake clock's handle as it is: the timer still fires when time is advanced", () => {
    const clock = new FakeClock(0);
    let fired = 0;
    const h = clock.setTimeout(() => fired++, 5);
    expect(unrefTimer(h)).toBe(h);
    clock.advance(5);
    expect(fired).toBe(1);
  });
});
