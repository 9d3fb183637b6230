import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFfmpegSource, ffmpegArgs } from '../../src/capture/ffmpeg.js';
import { createFrameSource } from '../../src/capture/frameSources.js';
import { silentLogger } from '../../src/platform/log.js';
import type { Frame } from '../../src/capture/types.js';
import { FakeClock } from '../fakes/clock.js';
import { waitFor } from '../helpers/poll.js';

const run = promisify(execFile);

describe('ffmpegArgs', () => {
  const tail = ['-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1'];
  const head = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  it.each([
    ['file, as fast as possible', { input: 'file', path: 'a.mp4', fps: 0 }, [...head, '-i', 'a.mp4', '-an', ...tail]],
    ['file, paced and looped', { input: 'file', path: 'a.mp4', fps: 10, loop: true }, [...head, '-re', '-stream_loop', '-1', '-i', 'a.mp4', '-an', '-r', '10', ...tail]],
    ['v4l2 with size and rate', { input: 'v4l2', path: '/dev/video0', fps: 30, width: 640, height: 480 }, [...head, '-f', 'v4l2', '-video_size', '640x480', '-framerate', '30', '-i', '/dev/video0', '-an', '-r', '30', ...tail]],
    ['rtsp over tcp, scaled', { input: 'rtsp', path: 'rtsp://cam/1', fps: 15, width: 320, height: 240 }, [...head, '-rtsp_transport', 'tcp', '-i', 'rtsp://cam/1', '-an', '-vf', 'scale=320:240', '-r', '15', ...tail]],
  ] as const)('%s', (_name, o, args) => {
    expect(ffmpegArgs(o)).toEqual(args);
  });
});

describe('ffmpeg file source (real ffmpeg)', () => {
  let dir: string;
  let video: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspectd-ffmpeg-'));
    video = join(dir, 'out.mp4');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '2', '-pix_fmt', 'yuv420p', video]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function decodable(frames: Frame[]): Promise<number> {
    let ok = 0;
    for (const f of frames) {
      const m = await sharp(f.data).metadata();
      if (m.format === 'jpeg' && m.width === 160 && m.height === 120) ok++;
    }
    return ok;
  }

  it('reads every frame of a 2 s 10 fps video as fast as possible (fps 0), each a JPEG sharp decodes, then ends', async () => {
    const src = createFrameSource({ source: 'file', path: video, fps: 0, loop: false, queue: 64 }, { log: silentLogger });
    const frames: Frame[] = [];
    for await (const f of src.frames(new AbortController().signal)) frames.push(f);
    expect(frames).toHaveLength(20);
    expect(await decodable(frames)).toBe(20);
    expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(frames.every((f) => f.source === video)).toBe(true);
    expect(src.stats()).toMatchObject({ captured: 20, dropped: 0, restarts: 0 });
  });

  it('paced at the video rate (-re) delivers the same frames, stamped on arrival in order', async () => {
    const src = createFfmpegSource({ input: 'file', path: video, fps: 10, queueSize: 64, stallMs: 5000, maxRestarts: 0, log: silentLogger });
    const frames: Frame[] = [];
    for await (const f of src.frames(new AbortController().signal)) frames.push(f);
    expect(await decodable(frames)).toBe(20);
    for (let i = 1; i < frames.length; i++) expect(frames[i].capturedAt).toBeGreaterThan(frames[i - 1].capturedAt);
  });

  it('a file ffmpeg cannot open fails with its stderr, restarts after 10 then 20 ms, then ends with CAMERA_FATAL', async () => {
    const clock = new FakeClock(0);
    const faults: Array<{ code: string; message: string; fatal: boolean }> = [];
    const src = createFfmpegSource({ input: 'file', path: join(dir, 'missing.mp4'), fps: 0, stallMs: 5000, maxRestarts: 2, backoff: { initialMs: 10, maxMs: 20 }, log: silentLogger, onFault: (f) => faults.push(f), clock });
    let ended: unknown;
    void (async () => {
      for await (const _ of src.frames(new AbortController().signal)) void _;
    })().catch((err: unknown) => (ended = err));
    const delays: number[] = [];
    for (let n = 1; n <= 2; n++) {
      await waitFor(() => faults.length === n, `ffmpeg exit ${n}`);
      expect(clock.pending).toBe(1); // the restart only: the start-up stall check went with the child
      delays.push(clock.fireNext());
    }
    await waitFor(() => ended !== undefined, 'the iterable to fail');
    expect(delays).toEqual([10, 20]);
    expect(ended).toMatchObject({ code: 'CAMERA_FATAL' });
    expect(faults.map((f) => [f.code, f.fatal])).toEqual([
      ['CAMERA_EXITED', false],
      ['CAMERA_EXITED', false],
      ['CAMERA_EXITED', true],
    ]);
    expect(faults[0].message).toMatch(/No such file or directory/);
    expect(src.stats().restarts).toBe(2);
    expect(clock.pending).toBe(0); // given up: no restart armed
  });
});
