/**
 * A holder that dies is brought back (libgpiod stand-ins in test/fakes/gpiod, real processes):
 * respawned with its lines at their last levels, a bounded number of times, then fatal.
 * "Lost for good" is the stand-in refusing to start while FAKE_GPIOSET_FAIL_IF names a file.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GpiodGpio } from '../../src/actuate/gpiod.js';
import { silentLogger } from '../../src/platform/log.js';

const FAKES = resolve(__dirname, '../fakes/gpiod');
const tools = { gpioset: join(FAKES, 'gpioset'), gpiodetect: join(FAKES, 'gpiodetect'), gpiomon: join(FAKES, 'gpiomon') };

interface Ev {
  pid: number;
  ev: string;
  args: string;
}

async function events(file: string): Promise<Ev[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').filter(Boolean).map((l) => {
    const [, pid, ev, ...rest] = l.split(' ');
    return { pid: Number(pid), ev, args: rest.join(' ') };
  });
}

async function until(cond: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

type Fault = { code: string; message: string; fatal: boolean };

describe('GpiodGpio respawns a holder that dies', () => {
  let dir: string;
  let logFile: string;
  let failFile: string;
  const opened: GpiodGpio[] = [];
  const make = (version: string, extra: Record<string, string>, faults: Fault[], respawn = { attempts: 3, delayMs: 20, windowMs: 60_000 }) => {
    const env = { ...process.env, FAKE_GPIO_LOG: logFile, FAKE_GPIOD_VERSION: version, FAKE_GPIOSET_FAIL_IF: failFile, ...extra };
    const g = new GpiodGpio({ chip: 'pinctrl-rp1', lines: { reject: { offset: 17 }, ready: { offset: 27 } }, tools, env, log: silentLogger, minHoldMs: 80, respawn, onFault: (f) => faults.push(f) });
    opened.push(g);
    return g;
  };
  const starts = async () => (await events(logFile)).filter((e) => e.ev === 'start');

  beforeAll(async () => {
    for (const f of Object.values(tools)) await chmod(f, 0o755);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspectd-respawn-'));
    logFile = join(dir, 'gpio.log');
    failFile = join(dir, 'lost-for-good');
  });
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((g) => g.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('libgpiod 2.x interactive: a killed gpioset -i comes back holding every line at its last level, and takes commands again', async () => {
    const faults: Fault[] = [];
    const gpio = make('2.1.3', { FAKE_GPIOD_INTERACTIVE: '1' }, faults);
    await gpio.open();
    gpio.set('ready', 1);
    await gpio.flush();
    const [first] = await starts();
    process.kill(first.pid, 'SIGKILL');
    await until(async () => (await starts()).length === 2, 'a second gpioset -i');
    await until(() => gpio.stats().respawns === 1, 'respawn counted');
    const second = (await starts())[1];
    expect(second.args).toBe('-i -c gpiochip4 -C inspectd 17=0 27=1'); // ready re-driven high, reject low
    expect(faults).toEqual([expect.objectContaining({ code: 'GPIO_LOST', fatal: false })]);
    gpio.set('reject', 1);
    gpio.set('reject', 0);
    await gpio.flush();
    await gpio.close();
    const cmds = (await events(logFile)).filter((e) => e.pid === second.pid && e.ev === 'cmd').map((e) => e.args);
    expect(cmds).toEqual(['set 17=1', 'set 17=0', 'set 27=0', 'set 17=0 27=0', 'exit']); // then close: safe state
    expect(faults).toHaveLength(1);
  });

  it('libgpiod 1.x: only the dead line’s holder is respawned, at that line’s last level', async () => {
    const faults: Fault[] = [];
    const gpio = make('1.6.3', {}, faults);
    await gpio.open();
    gpio.set('ready', 1);
    await gpio.flush();
    // 1.x holders print nothing: the replacement holder's own log line says it runs.
    await until(async () => (await starts()).some((e) => e.args === '--mode=signal gpiochip4 27=1'), 'the ready holder at 1');
    const readyHolder = (await starts()).filter((e) => e.args.includes('27=')).at(-1)!;
    process.kill(readyHolder.pid, 'SIGKILL');
    await until(() => gpio.stats().respawns === 1, 'the ready holder respawned');
    const all = await starts();
    expect(all.filter((e) => e.args.includes('27=')).map((e) => e.args)).toEqual(['--mode=signal gpiochip4 27=0', '--mode=signal gpiochip4 27=1', '--mode=signal gpiochip4 27=1']);
    expect(all.filter((e) => e.args.includes('17='))).toHaveLength(1);
    expect(faults.map((f) => f.fatal)).toEqual([false]);
  });

  it('bounded: a holder that cannot be started again is a fatal GPIO_LOST after the allowed attempts, and nothing more is written', async () => {
    const faults: Fault[] = [];
    const gpio = make('2.1.3', { FAKE_GPIOD_INTERACTIVE: '1' }, faults, { attempts: 2, delayMs: 10, windowMs: 60_000 });
    await gpio.open();
    const [first] = await starts();
    await writeFile(failFile, '');
    process.kill(first.pid, 'SIGKILL');
    await until(() => faults.some((f) => f.fatal), 'the fatal fault');
    expect(faults.map((f) => [f.code, f.fatal])).toEqual([['GPIO_LOST', false], ['GPIO_LOST', true]]);
    expect(faults[1].message).toMatch(/Device or resource busy.*gave up after 2 respawns/);
    expect((await events(logFile)).filter((e) => e.ev === 'fail')).toHaveLength(2);
    gpio.set('reject', 1); // the daemon exits on the fatal fault; a write meanwhile goes nowhere, quietly
    await gpio.flush();
    expect(faults).toHaveLength(2);
    expect((await events(logFile)).filter((e) => e.ev === 'fail')).toHaveLength(2);
  });

  it('bounded over time too: a holder that keeps dying after each respawn is fatal once the window’s attempts are used', async () => {
    const faults: Fault[] = [];
    const gpio = make('2.1.3', { FAKE_GPIOD_INTERACTIVE: '1' }, faults, { attempts: 2, delayMs: 10, windowMs: 60_000 });
    await gpio.open();
    for (let n = 1; n <= 3; n++) {
      const holder = (await starts()).at(-1)!;
      process.kill(holder.pid, 'SIGKILL');
      if (n < 3) await until(() => gpio.stats().respawns === n, `respawn ${n}`);
    }
    await until(() => faults.some((f) => f.fatal), 'the fatal fault');
    expect(faults.map((f) => f.fatal)).toEqual([false, false, false, true]);
    expect(await starts()).toHaveLength(3);
  });
});
