import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GpiodGpio, holderArgs, interactiveArgs } from '../../src/actuate/gpiod.js';
import { gpiomonArgs } from '../../src/capture/gpiomon.js';
import { parseGpiodVersion, parseGpiodetect, resolveChip } from '../../src/platform/gpiodTools.js';
import { silentLogger } from '../../src/platform/log.js';

const FAKES = resolve(__dirname, '../fakes/gpiod');
const tools = { gpioset: join(FAKES, 'gpioset'), gpiodetect: join(FAKES, 'gpiodetect'), gpiomon: join(FAKES, 'gpiomon') };

describe('libgpiod tool output parsing', () => {
  const detect = ['gpiochip0 [pinctrl-bcm2711] (58 lines)', 'gpiochip1 [raspberrypi-exp-gpio] (8 lines)', 'gpiochip4 [pinctrl-rp1] (54 lines)', 'garbage', ''].join('\n');

  it('parses gpiodetect', () => {
    expect(parseGpiodetect(detect)).toEqual([
      { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 },
      { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8 },
      { name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 },
    ]);
  });

  it.each([
    ['pinctrl-rp1', 'gpiochip4'],
    ['pinctrl-bcm2711', 'gpiochip0'],
    ['gpiochip1', 'gpiochip1'],
    ['/dev/gpiochip1', 'gpiochip1'],
  ])('resolves chip %s → %s (label first, then name)', (wanted, name) => {
    expect(resolveChip(wanted, parseGpiodetect(detect)).name).toBe(name);
  });

  it('names the available chips when the label is unknown, and refuses ambiguous labels', () => {
    expect(() => resolveChip('tegra234-gpio', parseGpiodetect(detect))).toThrow(/no GPIO chip labelled or named 'tegra234-gpio'/);
    const twice = parseGpiodetect('gpiochip0 [x] (1 lines)\ngpiochip1 [x] (1 lines)');
    expect(() => resolveChip('x', twice)).toThrow(/several GPIO chips/);
  });

  it.each([
    ['gpioset (libgpiod) v1.6.3\nCopyright (C) 2017-2018 Bartosz Golaszewski', 1, '1.6.3'],
    ['gpioset (libgpiod) v2.1.3', 2, '2.1.3'],
    ['gpioset (libgpiod) v2.2', 2, '2.2'],
  ])('reads the libgpiod version from %j', (text, major, version) => {
    expect(parseGpiodVersion(text)).toEqual({ major, version });
  });

  it('rejects an unknown version banner', () => {
    expect(parseGpiodVersion('gpioset: command not found')).toBeNull();
  });

  it.each([
    [1, 0, false, ['--mode=signal', 'gpiochip4', '17=0']],
    [1, 1, true, ['--mode=signal', '--active-low', 'gpiochip4', '17=1']],
    [2, 1, false, ['-c', 'gpiochip4', '-C', 'inspectd', '17=1']],
    [2, 0, true, ['-c', 'gpiochip4', '-C', 'inspectd', '--active-low', '17=0']],
  ] as const)('holder args: libgpiod %i, value %i, active-low %s', (major, value, low, args) => {
    expect(holderArgs(major, 'gpiochip4', 17, value, low, 'inspectd')).toEqual(args);
  });

  it('interactive and gpiomon args', () => {
    expect(interactiveArgs('gpiochip4', [17, 27], false, 'inspectd')).toEqual(['-i', '-c', 'gpiochip4', '-C', 'inspectd', '17=0', '27=0']);
    expect(gpiomonArgs(1, 'gpiochip4', 5, 'rising', true)).toEqual(['-b', '-l', '-r', '-F', '%e %o %s.%n', 'gpiochip4', '5']);
    expect(gpiomonArgs(2, 'gpiochip4', 5, 'falling', false)).toEqual(['-c', 'gpiochip4', '-e', 'falling', '-F', '%e %o %S', '5']);
  });
});

interface Ev {
  t: number;
  pid: number;
  ev: string;
  args: string;
}

async function events(file: string): Promise<Ev[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t, pid, ev, ...rest] = l.split(' ');
      return { t: Number(t) * 1000, pid: Number(pid), ev, args: rest.join(' ') };
    });
}

describe('GpiodGpio against stand-in libgpiod tools', () => {
  let dir: string;
  let logFile: string;
  const opened: GpiodGpio[] = [];
  // minHoldMs well above a bash start even on a loaded box, so every holder logs before it is replaced.
  const make = (o: Omit<ConstructorParameters<typeof GpiodGpio>[0], 'log' | 'tools'>) => {
    const g = new GpiodGpio({ tools, log: silentLogger, minHoldMs: 80, ...o });
    opened.push(g);
    return g;
  };
  beforeAll(async () => {
    for (const f of Object.values(tools)) await chmod(f, 0o755);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspectd-gpiod-'));
    logFile = join(dir, 'gpio.log');
  });
  afterEach(async () => {
    // Never leave holder processes behind, even when an assertion failed mid-test.
    await Promise.allSettled(opened.splice(0).map((g) => g.close()));
    await rm(dir, { recursive: true, force: true });
  });

  const lines = { reject: { offset: 17 }, ready: { offset: 27, active_low: true } };

  it('libgpiod 1.x: finds the chip by label, holds each line in its own process, restarts it per change, releases on close', async () => {
    const env = { ...process.env, FAKE_GPIO_LOG: logFile, FAKE_GPIOD_VERSION: '1.6.3' };
    const gpio = make({ chip: 'pinctrl-rp1', lines, env });
    await gpio.open();
    expect(gpio.stats()).toMatchObject({ driver: 'v1', version: '1.6.3', chip: 'gpiochip4 [pinctrl-rp1]' });
    gpio.set('reject', 1);
    gpio.set('reject', 0);
    gpio.set('heartbeat', 1); // not wired: ignored
    await gpio.flush();
    await gpio.close();
    const ev = await events(logFile);
    const starts = ev.filter((e) => e.ev === 'start').map((e) => e.args);
    expect(starts.filter((a) => a.includes('17='))).toEqual(['--mode=signal gpiochip4 17=0', '--mode=signal gpiochip4 17=1', '--mode=signal gpiochip4 17=0']);
    expect(starts.filter((a) => a.includes('27='))).toEqual(['--mode=signal --active-low gpiochip4 27=0']);
    // Every holder was terminated: nothing keeps the lines after close.
    const started = new Set(ev.filter((e) => e.ev === 'start').map((e) => e.pid));
    const terminated = new Set(ev.filter((e) => e.ev === 'term').map((e) => e.pid));
    expect(terminated).toEqual(started);
    // Strictly one holder per line at a time: each start of line 17 after the previous one's term.
    const l17 = ev.filter((e) => (e.ev === 'start' && e.args.includes('17=')) || (e.ev === 'term' && ev.some((s) => s.pid === e.pid && s.args.includes('17='))));
    expect(l17.map((e) => e.ev)).toEqual(['start', 'term', 'start', 'term', 'start', 'term']);
    expect(() => gpio.set('reject', 1)).toThrow(/closed/);
  });

  it('libgpiod 2.x with interactive gpioset: one process per polarity, changes as stdin commands, safe state then exit on close', async () => {
    const env = { ...process.env, FAKE_GPIO_LOG: logFile, FAKE_GPIOD_VERSION: '2.1.3', FAKE_GPIOD_INTERACTIVE: '1' };
    const gpio = make({ chip: 'pinctrl-rp1', lines, env });
    await gpio.open();
    expect(gpio.stats().driver).toBe('v2-interactive');
    gpio.set('reject', 1);
    gpio.set('ready', 1);
    gpio.set('reject', 0);
    await gpio.flush();
    await gpio.close();
    const ev = await events(logFile);
    expect(ev.filter((e) => e.ev === 'start').map((e) => e.args).sort()).toEqual([
      '-i -c gpiochip4 -C inspectd --active-low 27=0',
      '-i -c gpiochip4 -C inspectd 17=0',
    ]);
    const plain = ev.find((e) => e.ev === 'start' && e.args.endsWith('17=0'))!.pid;
    expect(ev.filter((e) => e.pid === plain && e.ev !== 'start').map((e) => `${e.ev} ${e.args}`.trim())).toEqual(['cmd set 17=1', 'cmd set 17=0', 'cmd set 17=0', 'cmd exit', 'exit']);
  });

  it('libgpiod 2.x without interactive mode falls back to one holder per line', async () => {
    const env = { ...process.env, FAKE_GPIO_LOG: logFile, FAKE_GPIOD_VERSION: '2.1.3' };
    const gpio = make({ chip: 'gpiochip4', lines: { reject: { offset: 17 } }, env });
    await gpio.open();
    gpio.set('reject', 1);
    await gpio.flush();
    await gpio.close();
    expect(gpio.stats().driver).toBe('v2-respawn');
    const starts = (await events(logFile)).filter((e) => e.ev === 'start').map((e) => e.args);
    expect(starts).toEqual(['-c gpiochip4 -C inspectd 17=0', '-c gpiochip4 -C inspectd 17=1', '-c gpiochip4 -C inspectd 17=0']);
  });

  it('open fails with the tool’s reason when the line cannot be requested', async () => {
    const env = { ...process.env, FAKE_GPIOSET_FAIL: '1' };
    const gpio = make({ chip: 'pinctrl-rp1', lines, env });
    await expect(gpio.open()).rejects.toThrow(/Device or resource busy/);
  });

  it('refuses an offset the chip does not have, and an unknown chip label', async () => {
    const env = { ...process.env };
    await expect(make({ chip: 'pinctrl-rp1', lines: { reject: { offset: 60 } }, env }).open()).rejects.toThrow(/outside gpiochip4/);
    await expect(make({ chip: 'tegra234-gpio', lines, env }).open()).rejects.toThrow(/pinctrl-rp1/);
  });
});
