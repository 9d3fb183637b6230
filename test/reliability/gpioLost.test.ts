/**
 * A fatal GPIO fault is fatal (built daemon, gpio.backend gpiod on the libgpiod 2.x stand-ins in
 * test/fakes/gpiod, found through PATH as the real tools would be). One run, two phases:
 *   1. SIGKILL the `gpioset -i` holder once: it is respawned with ready high again, and the
 *      daemon keeps ejecting through the new holder (the untrained fixture model rejects every part).
 *   2. SIGKILL it for good (the stand-in now refuses to start): after the bounded respawns the
 *      fault is fatal and the daemon exits 1 (README contract), with every output released.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODEL, replayFolder, startDaemon, tempDir, writeConfig } from './daemon.js';

const FAKES = resolve(__dirname, '../fakes/gpiod');

interface Ev {
  pid: number;
  ev: string;
  args: string;
}

describe('a GPIO holder killed once is respawned; killed for good, the daemon exits 1 (built daemon, libgpiod stand-ins)', () => {
  const t = tempDir('gpiolost');
  const logFile = join(t.dir, 'gpio.log');
  const failFile = join(t.dir, 'lost-for-good');
  const events = (): Ev[] =>
    readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
      const [, pid, ev, ...rest] = l.split(' ');
      return { pid: Number(pid), ev, args: rest.join(' ') };
    });
  const holders = () => events().filter((e) => e.ev === 'start' && e.args.startsWith('-i '));
  const pulsesBy = (pid: number) => events().filter((e) => e.pid === pid && e.ev === 'cmd' && e.args === 'set 17=1').length;
  let first: Ev;
  let second: Ev;
  let secondPulses = 0;
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  let logs: Array<Record<string, any>> = [];

  beforeAll(async () => {
    for (const f of ['gpioset', 'gpiodetect', 'gpiomon']) chmodSync(join(FAKES, f), 0o755);
    writeFileSync(logFile, '');
    const cfg = writeConfig(join(t.dir, 'config.yaml'), {
      station: 'st-gpio',
      camera: { source: 'replay', path: replayFolder(join(t.dir, 'frames'), 12), fps: 20, loop: true },
      model: { path: FIXTURE_MODEL },
      gpio: { backend: 'gpiod', chip: 'pinctrl-rp1', lines: { reject: { offset: 17 }, ready: { offset: 27 }, heartbeat: { offset: 22 }, result_valid: { offset: 23 } }, travel_ms: 0, pulse_ms: 5, strobe_ms: 2, stall_ms: 60000 },
      storage: { database: 'inspectd.db', images: 'images', save_images: 'none' },
      mqtt: { url: '' },
      http: { enabled: false },
    });
    const d = startDaemon(['run', '--config', cfg], {
      limitMs: 60_000,
      env: { PATH: `${FAKES}:${process.env.PATH}`, FAKE_GPIOD_VERSION: '2.1.3', FAKE_GPIOD_INTERACTIVE: '1', FAKE_GPIO_LOG: logFile, FAKE_GPIOSET_FAIL_IF: failFile },
    });
    await d.until(() => holders().length === 1 && pulsesBy(holders()[0].pid) >= 3, 'three reject pulses through the first holder');
    first = holders()[0];
    process.kill(first.pid, 'SIGKILL');
    await d.until(() => holders().length === 2, 'a respawned holder');
    second = holders()[1];
    await d.until(() => pulsesBy(second.pid) >= 3, 'three reject pulses through the respawned holder');
    secondPulses = pulsesBy(second.pid);
    writeFileSync(failFile, '');
    process.kill(second.pid, 'SIGKILL');
    exit = await d.exited;
    logs = d.logs();
  }, 90_000);

  afterAll(() => t.cleanup());

  it('killed once: respawned with ready re-driven high, and it keeps ejecting through the new holder', () => {
    expect(first.args).toBe('-i -c gpiochip4 -C inspectd 17=0 27=0 22=0 23=0');
    // ready (27) is high again at once; reject, heartbeat, result_valid re-driven to their levels at the time.
    expect(second.args).toMatch(/^-i -c gpiochip4 -C inspectd 17=[01] 27=1 22=[01] 23=[01]$/);
    expect(secondPulses).toBeGreaterThanOrEqual(3);
    expect(logs.some((l) => l.msg === 'GPIO holder respawned; lines re-driven to their last levels')).toBe(true);
    const faults = logs.filter((l) => l.code === 'GPIO_LOST');
    expect(faults.length).toBeGreaterThan(0);
  });

  it('killed for good: after the bounded respawns the fault is fatal and the daemon exits 1', () => {
    expect(exit).toEqual({ code: 1, signal: null });
    expect(events().filter((e) => e.ev === 'fail').length).toBeGreaterThan(0);
    const fatal = logs.find((l) => l.msg === 'fatal');
    expect(JSON.stringify(fatal?.err)).toMatch(/GPIO_LOST/);
    expect(JSON.stringify(fatal?.err)).toMatch(/gave up after \d+ respawns/);
    // No holder started after the last kill: nothing drives a line nobody can hold.
    expect(holders()).toHaveLength(2);
    expect(logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});
