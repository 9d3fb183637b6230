/**
 * Measures decision → line-change latency of the gpiod drivers against the stand-in gpioset
 * (test/fakes/gpiod/gpioset, a bash script that stamps what it receives with $EPOCHREALTIME).
 * Not a test (no timed assertions); run:  npx vite-node test/actuate/gpiodLatency.ts
 *
 * "Line change" = the moment the stand-in saw the command (interactive) or started holding the new
 * value (respawn). A real gpioset adds its ioctl (microseconds) and, for respawn, its own start-up
 * instead of bash's; both stand-ins are stated as such in the numbers.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GpiodGpio, type GpiodDriverKind } from '../../src/actuate/gpiod.js';
import { silentLogger } from '../../src/platform/log.js';

const FAKES = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../fakes/gpiod');
const tools = { gpioset: join(FAKES, 'gpioset'), gpiodetect: join(FAKES, 'gpiodetect'), gpiomon: join(FAKES, 'gpiomon') };
// performance.timeOrigin can be off from the realtime clock by many ms; align performance.now()
// to gettimeofday (what bash's $EPOCHREALTIME reads) at the instant Date.now() ticks over.
function realtimeOffset(): number {
  const offs: number[] = [];
  for (let k = 0; k < 5; k++) {
    const d0 = Date.now();
    let d = d0;
    let p = 0;
    while (d === d0) {
      p = performance.now();
      d = Date.now();
    }
    offs.push(d - p);
  }
  return offs.sort((a, b) => a - b)[2];
}
const offset = realtimeOffset();
const wallNow = () => offset + performance.now();

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function measure(driver: GpiodDriverKind, version: string, n: number, gapMs: number) {
  const dir = await mkdtemp(join(tmpdir(), 'inspectd-lat-'));
  const log = join(dir, 'gpio.log');
  const env = { ...process.env, FAKE_GPIO_LOG: log, FAKE_GPIOD_VERSION: version, FAKE_GPIOD_INTERACTIVE: '1' };
  const gpio = new GpiodGpio({ chip: 'pinctrl-rp1', lines: { reject: { offset: 17 } }, tools, env, driver, log: silentLogger });
  await gpio.open();
  const sent: Array<{ t: number; v: 0 | 1 }> = [];
  let v: 0 | 1 = 0;
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    v = v ? 0 : 1;
    sent.push({ t: wallNow(), v });
    gpio.set('reject', v);
  }
  await gpio.flush();
  await new Promise((r) => setTimeout(r, 200));
  await gpio.close();
  const seen = (await readFile(log, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .filter(([, , ev, ...rest]) => (ev === 'cmd' && rest[0] === 'set' && rest[1]?.startsWith('17=')) || (ev === 'start' && rest.at(-1)?.startsWith('17=')))
    .map(([t, , , ...rest]) => ({ t: Number(t) * 1000, v: Number(rest.at(-1)!.split('=')[1]) as 0 | 1 }));
  // The first entry is open()'s safe state (the holder's or the interactive process's start line).
  const changes = seen.slice(1);
  const lat = sent.map((s, i) => changes[i].t - s.t);
  await rm(dir, { recursive: true, force: true });
  return { driver, stand_in: `bash gpioset stand-in, libgpiod ${version} behaviour`, n, gap_ms: gapMs, p50_ms: +pct(lat, 50).toFixed(3), p99_ms: +pct(lat, 99).toFixed(3), max_ms: +Math.max(...lat).toFixed(3), min_ms: +Math.min(...lat).toFixed(3) };
}

const results = [await measure('v2-interactive', '2.1.3', 300, 15), await measure('v1', '1.6.3', 100, 100), await measure('v2-respawn', '2.1.3', 100, 100)];
console.log(JSON.stringify({ measured_at: new Date().toISOString(), node: process.version, results }, null, 2));
