import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrameSource } from '../../src/capture/frameSources.js';
import { silentLogger } from '../../src/platform/log.js';
import { BoundedQueue } from '../../src/capture/queue.js';
import { createTriggeredSource } from '../../src/capture/trigger.js';
import type { Frame, FrameSource } from '../../src/capture/types.js';
import { FakeClock } from '../fakes/clock.js';

/** A camera the test pushes frames into. */
function fakeCamera() {
  const q = new BoundedQueue<Frame>(100);
  let seq = 0;
  const cam: FrameSource & { shoot(capturedAt: number, tag: string): void; end(): void } = {
    kind: 'fake',
    frames: (signal) => {
      signal.addEventListener('abort', () => q.close(), { once: true });
      return q;
    },
    stats: () => ({ captured: seq, dropped: 0, restarts: 0 }),
    shoot: (capturedAt, tag) => q.push({ seq: ++seq, capturedAt, wallTs: 0, data: Buffer.from(tag), source: 'fake' }),
    end: () => q.close(),
  };
  return cam;
}

/** Lets the source's pump take what the camera pushed (promise hops only: no time passes). */
const flush = () => new Promise((r) => setImmediate(r));

describe('trigger mode', () => {
  it('inspects one frame per trigger: the first captured at/after the edge, tagged with the trigger seq', async () => {
    const clock = new FakeClock(100);
    const cam = fakeCamera();
    const src = createTriggeredSource({ inner: cam, timeoutMs: 10_000, log: silentLogger, clock });
    const it = src.frames(new AbortController().signal)[Symbol.asyncIterator]();
    cam.shoot(90, 'before');
    await flush();
    expect(src.softwareTrigger()).toBe(1); // edge at 100
    cam.shoot(95, 'exposed before the edge');
    cam.shoot(105, 'A');
    cam.shoot(110, 'untriggered');
    clock.advanceTo(120);
    expect(src.softwareTrigger()).toBe(2);
    cam.shoot(130, 'B');
    cam.shoot(140, 'C');
    await flush();
    clock.advanceTo(140); // the freshest frame was captured at the edge itself: used at once
    expect(src.softwareTrigger()).toBe(3);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await it.next()).value as Frame);
    expect(got.map((f) => [f.seq, f.data.toString(), f.capturedAt])).toEqual([
      [1, 'A', 105],
      [2, 'B', 130],
      [3, 'C', 140],
    ]);
    expect(src.stats()).toMatchObject({ triggers: 3, captured: 3, cameraFrames: 6, missed: 0 });
    await src.stop();
  });

  it('two triggers before the next frame each get it, under their own numbers', async () => {
    const cam = fakeCamera();
    const src = createTriggeredSource({ inner: cam, timeoutMs: 10_000, log: silentLogger, clock: new FakeClock(100) });
    const it = src.frames(new AbortController().signal)[Symbol.asyncIterator]();
    src.softwareTrigger();
    src.softwareTrigger();
    cam.shoot(101, 'X');
    const a = (await it.next()).value as Frame;
    const b = (await it.next()).value as Frame;
    expect([a.seq, b.seq, a.data.toString(), b.data.toString()]).toEqual([1, 2, 'X', 'X']);
    await src.stop();
  });

  it('a trigger that gets no frame in time still yields a frame (empty → verdict error → reject), never nothing', async () => {
    const clock = new FakeClock(500);
    const cam = fakeCamera();
    const src = createTriggeredSource({ inner: cam, timeoutMs: 30, delayMs: 7, log: silentLogger, clock, wallNow: () => 1_700_000_000_000 + clock.now() });
    const it = src.frames(new AbortController().signal)[Symbol.asyncIterator]();
    src.softwareTrigger();
    const next = it.next();
    clock.advance(29);
    await flush();
    expect(src.stats()).toMatchObject({ missed: 0, captured: 0 }); // 1 ms before the timeout: still waiting for a frame
    clock.advance(1);
    const f = (await next).value as Frame;
    expect([f.seq, f.data.length, f.source, f.capturedAt, f.wallTs]).toEqual([1, 0, 'trigger-timeout', 507, 1_700_000_000_530]);
    expect(src.stats().missed).toBe(1);
    expect(clock.pending).toBe(0);
    await src.stop();
  });

  it('when the camera ends, outstanding triggers are delivered empty and the iterable ends', async () => {
    const cam = fakeCamera();
    const src = createTriggeredSource({ inner: cam, timeoutMs: 60_000, log: silentLogger, clock: new FakeClock(10) });
    const frames = src.frames(new AbortController().signal);
    src.softwareTrigger();
    cam.end();
    const got: Frame[] = [];
    for await (const f of frames) got.push(f);
    expect(got.map((f) => [f.seq, f.data.length])).toEqual([[1, 0]]);
  });

  it('a triggered frame dropped by the full queue is reported, so the daemon can fail that part', async () => {
    const dropped: number[] = [];
    const cam = fakeCamera();
    const clock = new FakeClock(0);
    const src = createTriggeredSource({ inner: cam, queueSize: 1, timeoutMs: 60_000, log: silentLogger, clock, onDropped: (f) => dropped.push(f.seq) });
    src.frames(new AbortController().signal); // nobody reads
    for (let i = 1; i <= 3; i++) {
      src.softwareTrigger();
      cam.shoot(i, `p${i}`);
      await flush();
    }
    expect(dropped).toEqual([1, 2]);
    expect(src.stats().dropped).toBe(2);
    expect(clock.pending).toBe(0); // every trigger got its frame: no timeout left armed
    await src.stop();
  });
});

describe('trigger mode from config with a GPIO photo-eye (stand-in gpiomon)', () => {
  const FAKES = resolve(__dirname, '../fakes/gpiod');
  let dir: string;
  beforeAll(async () => {
    for (const f of ['gpioset', 'gpiodetect', 'gpiomon']) await chmod(join(FAKES, f), 0o755);
    dir = await mkdtemp(join(tmpdir(), 'inspectd-trig-'));
    for (let i = 0; i < 5; i++) await writeFile(join(dir, `f${i}.jpg`), `frame ${i}`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('one inspected frame per debounced edge, gpiomon started on the chip found by label', async () => {
    const log = join(dir, 'gpio.log');
    const env = { ...process.env, FAKE_GPIO_LOG: log, FAKE_GPIOMON_DELAYS: '0.2 0 0.4' }; // edge, bounce, edge
    const src = createFrameSource(
      { source: 'replay', path: dir, fps: 100, loop: true, trigger: { mode: 'gpio', line: { offset: 5 }, edge: 'rising', debounce_ms: 50 } },
      { log: silentLogger, gpioChip: 'pinctrl-rp1', gpioTools: { gpioset: join(FAKES, 'gpioset'), gpiodetect: join(FAKES, 'gpiodetect'), gpiomon: join(FAKES, 'gpiomon') }, env },
    );
    expect(src.triggered).toBe(true);
    const got: Frame[] = [];
    for await (const f of src.frames(new AbortController().signal)) {
      got.push(f);
      if (got.length === 2) await src.stop();
    }
    expect(got.map((f) => f.seq)).toEqual([1, 2]);
    expect(got.every((f) => f.data.toString().startsWith('frame '))).toBe(true);
    expect(src.stats()).toMatchObject({ triggers: 2, bounced: 1 });
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines[0]).toMatch(/ start -b -r -F %e %o %s\.%n gpiochip4 5$/);
    expect(lines.at(-1)).toMatch(/ term$/); // stopped with the source
  });
});
