import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGpioPort } from '../../src/actuate/gpioBackends.js';
import { SimGpio } from '../../src/actuate/sim.js';
import { silentLogger } from '../../src/platform/log.js';

describe('SimGpio (gpio.backend: sim)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspectd-simgpio-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const readLog = async (p: string) => (await readFile(p, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));

  it('records the safe state on open, each change once, and everything is on disk after close()', async () => {
    let t = 5;
    const logPath = join(dir, 'sub', 'gpio.jsonl'); // parent folder created on open
    const gpio = new SimGpio({ logPath, now: () => t, epochOffset: 100 });
    await gpio.open();
    t = 7.25;
    gpio.set('reject', 1);
    gpio.set('reject', 1); // no change: not recorded
    t = 57.25;
    gpio.set('reject', 0);
    // 2000 more changes: more than one buffered write.
    for (let i = 0; i < 2000; i++) {
      t += 0.5;
      gpio.set('heartbeat', i % 2 === 0 ? 1 : 0);
    }
    await gpio.close();
    const lines = await readLog(logPath);
    expect(lines.slice(0, 6)).toEqual([
      { t: 105, line: 'reject', value: 0 },
      { t: 105, line: 'ready', value: 0 },
      { t: 105, line: 'heartbeat', value: 0 },
      { t: 105, line: 'result_valid', value: 0 },
      { t: 107.25, line: 'reject', value: 1 },
      { t: 157.25, line: 'reject', value: 0 },
    ]);
    expect(lines).toHaveLength(6 + 2000);
    expect(lines.at(-1)).toEqual({ t: 157.25 + 1000, line: 'heartbeat', value: 0 });
  });

  it('close() de-asserts lines left high and is idempotent; use after close throws', async () => {
    const logPath = join(dir, 'gpio.jsonl');
    const gpio = new SimGpio({ logPath, now: () => 1, epochOffset: 0 });
    await gpio.open();
    gpio.set('ready', 1);
    await gpio.close();
    await gpio.close();
    expect(() => gpio.set('reject', 1)).toThrow(/closed/);
    expect((await readLog(logPath)).at(-1)).toEqual({ t: 1, line: 'ready', value: 0 });
  });

  it('refuses set() before open()', () => {
    expect(() => new SimGpio().set('reject', 1)).toThrow(/new/);
  });

  it('default t is epoch ms with sub-ms precision (comparable to Frame.wallTs)', async () => {
    const gpio = new SimGpio();
    const before = Date.now();
    await gpio.open();
    gpio.set('reject', 1);
    await gpio.close();
    const t = gpio.changes.at(-2)!.t;
    expect(Math.abs(t - before)).toBeLessThan(60_000); // same epoch, not a monotonic origin
    expect(gpio.changes.map((c) => c.line)).toContain('reject');
  });

  it('createGpioPort picks the sim backend from config and starts a fresh log per run', async () => {
    const logPath = join(dir, 'g.jsonl');
    for (let run = 0; run < 2; run++) {
      const port = createGpioPort({ backend: 'sim', sim_log: logPath, lines: {} }, { log: silentLogger });
      await port.open();
      port.set('reject', 1);
      await port.close();
    }
    expect((await readLog(logPath)).filter((l) => l.line === 'reject' && l.value === 1)).toHaveLength(1);
  });
});
