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

  it('a stalled camera is killed and restarted with a fault; frames flow again and failures reset', async () => {
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
    });
    const frames: Frame[] = [];
    for await (const f of src.frames(new AbortController().signal)) {
      frames.push(f);
      if (frames.length === 10) break;
    }
    // Two stalls, each after frames had flowed: never two failures in a row, so never fatal.
    expect(faults.map((f) => [f.code, f.fatal])).toEqual([
      ['CAMERA_STALLED', false],
      ['CAMERA_STALLED', false],
    ]);
    // Detected by the stall limit, not by the 20 s start-up grace.
    for (const f of faults) expect(Number(/no frame for (\d+) ms/.exec(f.message)?.[1])).toBeLessThan(10_000);
    expect(src.stats()).toMatchObject({ restarts: 2, failures: 0 });
    const r = await runs();
    expect(r.map((x) => x.run)).toEqual([0, 1, 2]);
    expect(r.some((x) => alive(x.pid))).toBe(false); // hung children were killed, the last one stopped
    expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('a camera that keeps dying backs off, reports each fault with its stderr, then gives up (fatal)', async () => {
    const faults: Fault[] = [];
    const src = createLibcameraSource({ executable: STAND_IN, fps: 30, stallMs: 1000, maxRestarts: 3, backoff: { initialMs: 10, maxMs: 40 }, env: env([{ frames: 0, then: 'die' }]), log: silentLogger, onFault: (f) => faults.push(f) });
    const consume = async () => {
      for await (const _ of src.frames(new AbortController().signal)) void _;
    };
    await expect(consume()).rejects.toMatchObject({ code: 'CAMERA_FATAL', message: expect.stringMatching(/no cameras available/) });
    expect(faults.map((f) => f.fatal)).toEqual([false, false, false, true]);
    expect(faults.every((f) => f.code === 'CAMERA_EXITED' && /code 255/.test(f.message))).toBe(true);
    expect(src.stats().restarts).toBe(3);
    expect((await runs()).length).toBe(4);
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

  it('stop() escalates to SIGKILL when the camera ignores SIGTERM, and ends the iterable', async () => {
    const stderr: string[] = [];
    const log = { ...silentLogger, debug: (o: unknown) => stderr.push(String((o as { stderr?: string }).stderr ?? '')) };
    const src = createLibcameraSource({ executable: STAND_IN, fps: 30, stallMs: 5000, maxRestarts: 0, killGraceMs: 200, env: env([{ frames: 1, intervalMs: 5, then: 'hang-ignore-term' }]), log });
    const it = src.frames(new AbortController().signal)[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const [r] = await runs();
    await src.stop();
    expect(alive(r.pid)).toBe(false);
    expect((await it.next()).done).toBe(true);
    expect(src.stats().running).toBe(false);
    expect(stderr).toContain('ignoring SIGTERM'); // so it was the SIGKILL that ended it
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
