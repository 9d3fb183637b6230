import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFrameSource } from '../../src/capture/frameSources.js';
import { createLibcameraSource, libcameraArgs } from '../../src/capture/libcamera.js';
import { silentLogger } from '../../src/platform/log.js';
import { createProcessSource } from '../../src/capture/process.js';
import type { Frame } from '../../src/capture/types.js';
import { FakeClock } from '../fakes/clock.js';
import { waitFor } from '../helpers/poll.js';

const STAND_IN = resolve(__dirname, '../fixtures/capture/fake-rpicam-vid.cjs');

describe('libcameraArgs', () => {
  it.each([
    [{ fps: 30, width: 1280, height: 720 }, ['--codec', 'mjpeg', '-t', '0', '-o', '-', '--nopreview', '--flush', '--width', '1280', '--height', '720', '--framerate', '30']],
    [{ fps: 0, camera: 1, quality: 90 }, ['--codec', 'mjpeg', '-t', '0', '-o', '-', '--nopreview', '--flush', '--camera', '1', '--width', '640', '--height', '480', '-q', '90']],
  ])('%j', (o, args) => {
    expect(libcameraArgs(o)).toEqual(args);
  });
});

type Fault = { code: string; message: string; fatal: boolean };

describe('libcamera source through a stand-in rpicam-vid', () => {
  let dir: string;
  let jpegDir: string;
  let state: string;
  let argsFile: string;
  let n = 0;

  beforeAll(async () => {
    await chmod(STAND_IN, 0o755);
    dir = await mkdtemp(join(tmpdir(), 'inspectd-libcam-'));
    jpegDir = join(dir, 'jpeg');
    await (await import('node:fs/promises')).mkdir(jpegDir);
    for (let i = 0; i < 4; i++) {
      await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 60 * i, g: 90, b: 30 }, noise: { type: 'gaussian', mean: 120, sigma: 50 } } })
        .jpeg({ quality: 85 })
        .toFile(join(jpegDir, `f${i}.jpg`));
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    n++;
    state = join(dir, `state${n}`);
    argsFile = join(dir, `args${n}.jsonl`);
  });

  const env = (plan: unknown[]) => ({ ...process.env, FAKE_JPEG_DIR: jpegDir, FAKE_PLAN: JSON.stringify(plan), FAKE_STATE: state, FAKE_ARGS: argsFile });
  const runs = async () => (await readFile(argsFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { run: number; pid: number; args: string[] });
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('passes the rpicam-vid arguments and splits its MJPEG pipe into frames sharp decodes', async () => {
    const src = createLibcameraSource({ executable: STAND_IN, fps: 30, width: 320, height: 240, stallMs: 5000, maxRestarts: 0, queueSize: 32, env: env([{ frames: 12, intervalMs: 5, then: 'hang' }]), log: silentLogger });
    const frames: Frame[] = [];
    for await (const f of src.frames(new AbortController().signal)) {
      frames.push(f);
      if (frames.length === 12) break; // breaking out stops the camera
    }
    for (const f of frames) expect((await sharp(f.data).metadata()).width).toBe(320);
    expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(frames[0].source).toBe('libcamera');
    const [r] = await runs();
    expect(r.args).toEqual(libcameraArgs({ fps: 30, width: 320, height: 240 }));
    expect(src.stats().corrupt).toBe(0);
    expect(alive(r.pid)).toBe(false);
  });

  it("the config's camera.index (a box with two cameras) reaches rpicam-vid as --camera N", async () => {
    const src = createFrameSource({ source: 'libcamera', executable: STAND_IN, index: 1, fps: 30, max_restarts: 0 }, { env: env([{ frames: 2, intervalMs: 5, then: 'hang' }]), log: silentLogger });
    const frames: Frame[] = [];
    for await (const f of src.frames(new AbortController().signal)) if (frames.push(f) === 2) break;
    expect(frames[0].source).toBe('libcamera:1');
    const [r] = await runs();
    expect(r.args.slice(r.args.indexOf('--camera'), r.args.indexOf('--camera') + 2)).toEqual(['--camera', '1']);
    await src.stop();
  });

  it('a stalled camera is killed stallMs after its last frame and restarted after the back-off; frames flow again and failures reset', async () => {
    const clock = new FakeClock(0);
    const faults: Fault[] = [];
    const src = createLibcameraSource({
      executable: STAND_IN,
      fps: 30,
      stallMs: 300,
      startTimeoutMs: 20_000, // start-up grace: must not be what detects a stall once frames flowed
      maxRestarts: 1,
      backoff: { initialMs: 20, maxMs: 40 },
      env: env([{ frames: 3, intervalMs: 5, then: 'hang' }, { frames: 3, intervalMs: 5, then: 'hang' }, { frames: 100, intervalMs: 10, then: 'hang' }]),
      log: silentLogger,
      onFault: (f) => faults.push(f),
      queueSize: 64,
      clock,
    });
    const frames: Frame[] = [];
    const consumed = (async () => {
      for await (const f of src.frames(new AbortController().signal)) if (frames.push(f) === 10) break;
    })();
    const timings: Array<[string, number]> = [];
    for (const run of [1, 2]) {
      await waitFor(() => frames.length === 3 * run, `run ${run}'s three frames`);
      expect(clock.pending).toBe(1); // the stall check, re-armed from the first frame with the stall limit
      timings.push(['stall check', clock.fireNext()]);
      expect(faults).toHaveLength(run);
      timings.push(['restart', clock.fireNext()]); // the back-off; the SIGKILL escalation stays armed behind it
      await waitFor(() => src.stats().running, `restart ${run}`);
    }
    await consumed;
    // Each stall came after frames had flowed: the failure count reset, so the back-off did not double and nothing was fatal.
    expect(timings).toEqual([['stall check', 300], ['restart', 20], ['stall check', 300], ['restart', 20]]);
    expect(faults.map((f) => [f.code, f.fatal])).toEqual([
      ['CAMERA_STALLED', false],
      ['CAMERA_STALLED', false],
    ]);
    for (const f of faults) expect(f.message).toMatch(/no frame for 300 ms/);
    expect(src.stats()).toMatchObject({ restarts: 2, failures: 0 });
    const r = await runs();
    expect(r.map((x) => x.run)).toEqual([0, 1, 2]);
    expect(r.some((x) => alive(x.pid))).toBe(false); // hung children were killed, the last one stopped
    expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('a camera that keeps dying backs off 10, 20, 40, 40 ms (doubled, capped), reports each fault with its stderr, then gives up (fatal)', async () => {
    const clock = new FakeClock(0);
    const faults: Fault[] = [];
    const src = createLibcameraSource({ executable: STAND_IN, fps: 30, stallMs: 1000, maxRestarts: 4, backoff: { initialMs: 10, maxMs: 40 }, env: env([{ frames: 0, then: 'die' }]), log: silentLogger, onFault: (f) => faults.push(f), clock });
    let ended: unknown;
    void (async () => {
      for await (const _ of src.frames(new AbortController().signal)) void _;
    })().catch((err: unknown) => (ended = err));
    const delays: number[] = [];
    for (let n = 1; n <= 4; n++) {
      await waitFor(() => faults.length === n, `camera death ${n}`);
      expect(clock.pending).toBe(1); // the restart only
      delays.push(clock.fireNext());
    }
    await waitFor(() => ended !== undefined, 'the iterable to fail');
    expect(delays).toEqual([10, 20, 40, 40]);
    expect(ended).toMatchObject({ code: 'CAMERA_FATAL', message: expect.stringMatching(/no cameras available/) });
    expect(faults.map((f) => f.fatal)).toEqual([false, false, false, false, true]);
    expect(faults.every((f) => f.code === 'CAMERA_EXITED' && /code 255/.test(f.message))).toBe(true);
    expect(src.stats().restarts).toBe(4);
    expect((await runs()).length).toBe(5);
    expect(clock.pending).toBe(0);
  });

  it('tries the next executable name when one is not installed (rpicam-vid → libcamera-vid)', async () => {
    const src = createProcessSource({ kind: 'libcamera', label: 'libcamera', commands: [join(dir, 'no-such-rpicam-vid'), STAND_IN], args: libcameraArgs({ fps: 10 }), stallMs: 5000, maxRestarts: 0, env: env([{ frames: 2, intervalMs: 5, then: 'hang' }]), log: silentLogger });
    const frames: Frame[] = [];
    for await (const f of src.frames(new AbortController().signal)) {
      frames.push(f);
      if (frames.length === 2) break;
    }
    expect(frames).toHaveLength(2);
    expect(src.stats().restarts).toBe(0);
  });

  it('stop() escalates to SIGKILL killGraceMs after the SIGTERM the camera ignores, and ends the iterable', async () => {
    const clock = new FakeClock(0);
    const stderr: string[] = [];
    const log = { ...silentLogger, debug: (o: unknown) => stderr.push(String((o as { stderr?: string }).stderr ?? '')) };
    const src = createLibcameraSource({ executable: STAND_IN, fps: 30, stallMs: 5000, maxRestarts: 0, killGraceMs: 200, env: env([{ frames: 1, intervalMs: 5, then: 'hang-ignore-term' }]), log, clock });
    const it = src.frames(new AbortController().signal)[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const [r] = await runs();
    const stopped = src.stop();
    await waitFor(() => stderr.includes('ignoring SIGTERM'), 'the camera to ignore SIGTERM');
    expect(alive(r.pid)).toBe(true);
    expect(clock.pending).toBe(1); // the SIGKILL escalation (the stall check went with stop)
    expect(clock.fireNext()).toBe(200);
    await stopped;
    expect(alive(r.pid)).toBe(false);
    expect((await it.next()).done).toBe(true);
    expect(src.stats().running).toBe(false);
  });

  it('aborting the signal stops the camera', async () => {
    const ctl = new AbortController();
    const src = createLibcameraSource({ executable: STAND_IN, fps: 30, stallMs: 5000, maxRestarts: 0, env: env([{ frames: 1000, intervalMs: 10, then: 'hang' }]), log: silentLogger });
    let count = 0;
    for await (const _ of src.frames(ctl.signal)) {
      void _;
      if (++count === 3) ctl.abort();
    }
    await src.stop(); // idempotent, waits for the exit
    const [r] = await runs();
    expect(alive(r.pid)).toBe(false);
  });
});
