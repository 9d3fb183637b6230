/**
 * The photo-eye's gpiomon is supervised (stand-in test/fakes/gpiod/gpiomon, real processes): a
 * gpiomon that dies is restarted after a back-off doubled per death in a row and capped, each
 * death a GPIO_TRIGGER_LOST fault, and past maxRestarts the fault is fatal instead of a restart
 * loop. The back-off runs on a fake clock, so every delay is asserted exactly; the test only
 * polls for what the child process does (it started, it exited).
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGpiomonTrigger } from '../../src/capture/gpiomon.js';
import type { TriggerInput } from '../../src/capture/trigger.js';
import { silentLogger } from '../../src/platform/log.js';
import { FakeClock } from '../fakes/clock.js';
import { waitFor } from '../helpers/poll.js';

const FAKES = resolve(__dirname, '../fakes/gpiod');
type Fault = { code: string; message: string; fatal: boolean };

describe('gpiomon supervision (stand-in gpiomon, fake clock)', () => {
  let dir: string;
  let logFile: string;
  const started: TriggerInput[] = [];
  beforeAll(async () => {
    for (const f of ['gpioset', 'gpiodetect', 'gpiomon']) await chmod(join(FAKES, f), 0o755);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspectd-gpiomon-'));
    logFile = join(dir, 'gpio.log');
  });
  afterEach(async () => {
    await Promise.allSettled(started.splice(0).map((t) => t.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  /** pids of the gpiomon runs so far, from the stand-in's log. */
  const runs = async () =>
    (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').filter((l) => / start /.test(l)).map((l) => Number(l.split(' ')[1]));

  function trigger(clock: FakeClock, faults: Fault[], o: { gpiomon?: string; env?: Record<string, string>; maxRestarts: number; stableMs?: number }) {
    const tools = { gpioset: join(FAKES, 'gpioset'), gpiodetect: join(FAKES, 'gpiodetect'), gpiomon: o.gpiomon ?? join(FAKES, 'gpiomon') };
    const t = createGpiomonTrigger({
      chip: 'pinctrl-rp1', offset: 5, edge: 'rising', tools, env: { ...process.env, FAKE_GPIO_LOG: logFile, ...o.env },
      backoff: { initialMs: 100, maxMs: 400 }, maxRestarts: o.maxRestarts, stableMs: o.stableMs, log: silentLogger, onFault: (f) => faults.push(f), clock,
    });
    started.push(t);
    return t;
  }

  /** After death `n`: the restart delay now armed on the clock; then lets it fall due (the restart). */
  async function restartDelay(clock: FakeClock, faults: Fault[], n: number): Promise<number> {
    await waitFor(() => faults.length === n, `gpiomon death ${n}`);
    expect(clock.pending).toBe(1); // only the restart: the health timer went with the child
    return clock.fireNext();
  }

  it('a gpiomon that cannot start is retried after 100, 200, 400, 400 ms, then the loss is fatal and nothing is retried', async () => {
    const clock = new FakeClock(0);
    const faults: Fault[] = [];
    await trigger(clock, faults, { gpiomon: join(dir, 'no-such-gpiomon'), maxRestarts: 4 }).start(() => {});
    const delays: number[] = [];
    for (let n = 1; n <= 4; n++) delays.push(await restartDelay(clock, faults, n));
    expect(delays).toEqual([100, 200, 400, 400]);
    await waitFor(() => faults.length === 5, 'the fifth death');
    expect(faults.map((f) => [f.code, f.fatal])).toEqual([...Array(4).fill(['GPIO_TRIGGER_LOST', false]), ['GPIO_TRIGGER_LOST', true]]);
    expect(faults[0].message).toMatch(/ENOENT.*restarting in 100 ms/);
    expect(faults[4].message).toMatch(/gave up after 5 deaths in a row/);
    expect(clock.pending).toBe(0);
  });

  it('a gpiomon that delivered an edge before dying is healthy again: the back-off starts over and it is never fatal', async () => {
    const clock = new FakeClock(0);
    const faults: Fault[] = [];
    const edges: number[] = [];
    await trigger(clock, faults, { env: { FAKE_GPIOMON_DELAYS: '0', FAKE_GPIOMON_EXIT: '1' }, maxRestarts: 1 }).start((t) => edges.push(t));
    const delays: number[] = [];
    for (let n = 1; n <= 3; n++) delays.push(await restartDelay(clock, faults, n));
    expect(delays).toEqual([100, 100, 100]);
    expect(edges).toEqual([0, 100, 200]); // stamped with the clock's time when each line arrived
    expect(faults.every((f) => !f.fatal && /code 1/.test(f.message))).toBe(true);
  });

  it('a gpiomon up for stableMs without dying is healthy again even with no edge (a quiet line)', async () => {
    const clock = new FakeClock(0);
    const faults: Fault[] = [];
    await trigger(clock, faults, { maxRestarts: 5, stableMs: 1000 }).start(() => {});
    await waitFor(async () => (await runs()).length === 1, 'first gpiomon');
    process.kill((await runs())[0], 'SIGKILL');
    expect(await restartDelay(clock, faults, 1)).toBe(100);
    await waitFor(async () => (await runs()).length === 2, 'second gpiomon');
    process.kill((await runs())[1], 'SIGKILL');
    expect(await restartDelay(clock, faults, 2)).toBe(200); // died young: the back-off doubled
    await waitFor(async () => (await runs()).length === 3, 'third gpiomon');
    clock.advance(999);
    expect(clock.pending).toBe(1); // the health timer, 1 ms short
    clock.advance(1);
    expect(clock.pending).toBe(0);
    process.kill((await runs())[2], 'SIGKILL');
    expect(await restartDelay(clock, faults, 3)).toBe(100);
    expect(faults[0].message).toMatch(/SIGKILL/);
  });
});
