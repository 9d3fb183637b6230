import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFrameSource } from '../../src/capture/frameSources.js';
import { silentLogger } from '../../src/platform/log.js';
import { createReplaySource } from '../../src/capture/replay.js';
import type { Frame } from '../../src/capture/types.js';
import { FakeClock } from '../fakes/clock.js';

async function take(it: AsyncIterable<Frame>, n = Infinity): Promise<Frame[]> {
  const out: Frame[] = [];
  if (n <= 0) return out;
  for await (const f of it) {
    out.push(f);
    if (out.length >= n) break;
  }
  return out;
}

/**
 * Runs the fake clock for paced replay until `done()`: whenever the source waits on its pacing
 * timer, time jumps exactly to it; otherwise (listing, reading files) it polls without moving time.
 */
async function runClock(clock: FakeClock, done: () => boolean): Promise<void> {
  for (let spins = 0; !done(); spins++) {
    if (spins > 100_000) throw new Error('paced replay neither armed its timer nor finished');
    const due = clock.nextDue;
    if (due !== undefined) clock.advanceTo(due);
    await new Promise((r) => setImmediate(r));
  }
}

/** `work` with the fake clock running until it settles. */
async function drive<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const watched = work.finally(() => (settled = true));
  await runClock(clock, () => settled);
  return watched;
}

describe('replay source', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspectd-replay-'));
    // Name order, not creation order; non-images ignored.
    for (const n of ['b.png', 'a.jpg', 'c.jpeg']) await writeFile(join(dir, n), `bytes of ${n}`);
    await writeFile(join(dir, 'notes.txt'), 'x');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fps 0, loop false: every file once, in name order, with seq, monotonic and wall times, then ends', async () => {
    const src = createReplaySource({ dir, fps: 0, loop: false, log: silentLogger });
    const frames = await take(src.frames(new AbortController().signal));
    expect(frames.map((f) => [f.seq, f.source, f.data.toString()])).toEqual([
      [1, 'a.jpg', 'bytes of a.jpg'],
      [2, 'b.png', 'bytes of b.png'],
      [3, 'c.jpeg', 'bytes of c.jpeg'],
    ]);
    for (let i = 1; i < frames.length; i++) expect(frames[i].capturedAt).toBeGreaterThanOrEqual(frames[i - 1].capturedAt);
    expect(Math.abs(frames[0].wallTs - Date.now())).toBeLessThan(60_000);
    expect(src.stats()).toMatchObject({ captured: 3, dropped: 0, passes: 1 });
  });

  it('fps 0, loop true: starts again at the first file, seq keeps counting', async () => {
    const src = createReplaySource({ dir, fps: 0, loop: true, log: silentLogger });
    const frames = await take(src.frames(new AbortController().signal), 7);
    expect(frames.map((f) => f.source)).toEqual(['a.jpg', 'b.png', 'c.jpeg', 'a.jpg', 'b.png', 'c.jpeg', 'a.jpg']);
    expect(frames.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a vanished file is counted and skipped; a folder named like an image is an error frame (FRAME_NOT_A_FILE)', async () => {
    await symlink(join(dir, 'gone.jpg'), join(dir, 'a2.jpg')); // dangling: ENOENT on open
    await mkdir(join(dir, 'b2.png'));
    const src = createReplaySource({ dir, fps: 0, loop: false, log: silentLogger });
    const frames = await take(src.frames(new AbortController().signal));
    expect(frames.map((f) => [f.source, f.data.length > 0, f.error?.code ?? null])).toEqual([
      ['a.jpg', true, null],
      ['b.png', true, null],
      ['b2.png', false, 'FRAME_NOT_A_FILE'],
      ['c.jpeg', true, null],
    ]);
    expect(frames[2].error?.message).toMatch(/b2\.png is a folder, not a regular file/);
    expect(src.stats().missing).toBe(1);
  });

  it('a symlink to /dev/zero, a FIFO and a file above max_frame_bytes are error frames; reading never blocks (fps 0 and paced)', async () => {
    await symlink('/dev/zero', join(dir, 'a3.jpg'));
    execFileSync('mkfifo', [join(dir, 'a4.jpg')]);
    await writeFile(join(dir, 'a5.jpg'), Buffer.alloc(2000, 1));
    await writeFile(join(dir, 'a6.jpg'), Buffer.alloc(1000, 1)); // exactly the cap: read
    const want = [
      ['a.jpg', null],
      ['a3.jpg', 'FRAME_NOT_A_FILE'],
      ['a4.jpg', 'FRAME_NOT_A_FILE'],
      ['a5.jpg', 'FRAME_FILE_TOO_LARGE'],
      ['a6.jpg', null],
      ['b.png', null],
      ['c.jpeg', null],
    ];
    for (const fps of [0, 200]) {
      const clock = new FakeClock(1000);
      const src = createReplaySource({ dir, fps, loop: false, queueSize: 16, maxFrameBytes: 1000, log: silentLogger, clock });
      const frames = await drive(clock, take(src.frames(new AbortController().signal)));
      expect(frames.map((f) => [f.source, f.error?.code ?? null]), `fps ${fps}`).toEqual(want);
      // Paced: error frames keep their slot on the 5 ms grid; fps 0 never waits on the clock.
      expect(frames.map((f) => f.capturedAt)).toEqual(fps ? [1000, 1005, 1010, 1015, 1020, 1025, 1030] : Array(7).fill(1000));
      expect(frames.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(frames[1].error?.message).toMatch(/a character device/);
      expect(frames[2].error?.message).toMatch(/a FIFO/);
      expect(frames[3].error?.message).toMatch(/a5\.jpg is 2000 bytes, above the 1000 bytes limit \(camera\.max_frame_bytes\)/);
      expect(frames[4].data.length).toBe(1000);
      for (const f of frames.filter((x) => x.error)) expect(f.data.length).toBe(0);
    }
  });

  it('paced (fps > 0) goes through the bounded queue: a consumer that is behind gets the newest frames, the rest are dropped and counted', async () => {
    for (let i = 0; i < 17; i++) await writeFile(join(dir, `z${String(i).padStart(2, '0')}.jpg`), `z${i}`);
    const clock = new FakeClock(1000);
    const src = createReplaySource({ dir, fps: 500, loop: false, queueSize: 2, log: silentLogger, clock });
    const it = src.frames(new AbortController().signal);
    // Consume nothing until the camera has produced all 20 frames.
    await runClock(clock, () => src.stats().captured >= 20);
    const frames = await take(it);
    expect(frames.map((f) => [f.seq, f.capturedAt])).toEqual([
      [19, 1036],
      [20, 1038],
    ]);
    expect(src.stats().dropped).toBe(18);
    expect(clock.now()).toBe(1038); // 20 frames on the 2 ms grid, the first at once
  });

  it('paced replay stops when the signal aborts', async () => {
    const ctl = new AbortController();
    const clock = new FakeClock(1000);
    const src = createReplaySource({ dir, fps: 50, loop: true, log: silentLogger, clock });
    const got: Frame[] = [];
    await drive(
      clock,
      (async () => {
        for await (const f of src.frames(ctl.signal)) {
          got.push(f);
          if (got.length === 4) ctl.abort();
        }
      })(),
    );
    expect(got.map((f) => [f.source, f.capturedAt])).toEqual([
      ['a.jpg', 1000],
      ['b.png', 1020],
      ['c.jpeg', 1040],
      ['a.jpg', 1060], // second pass: the grid carries on across the folder's end
    ]);
    expect(clock.pending).toBe(0); // the abort cleared the timer for the fifth frame
  });

  it('refuses an empty or missing folder with a CAMERA_ code', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(take(createReplaySource({ dir: empty, fps: 0, loop: true, log: silentLogger }).frames(new AbortController().signal))).rejects.toMatchObject({ code: 'CAMERA_NO_FRAMES' });
    await expect(take(createReplaySource({ dir: join(dir, 'nope'), fps: 0, loop: false, log: silentLogger }).frames(new AbortController().signal))).rejects.toMatchObject({ code: 'CAMERA_OPEN' });
  });

  it('createFrameSource: replay from config; stop() ends the iteration; no software trigger in free mode', async () => {
    const src = createFrameSource({ source: 'replay', path: dir, fps: 0, loop: true }, { log: silentLogger });
    expect(src.kind).toBe('replay');
    expect(src.triggered).toBe(false);
    expect(() => src.softwareTrigger()).toThrow(expect.objectContaining({ code: 'CAMERA_NOT_TRIGGERED' }));
    const got: Frame[] = [];
    for await (const f of src.frames(new AbortController().signal)) {
      got.push(f);
      if (got.length === 2) await src.stop();
    }
    expect(got.length).toBe(2);
    expect(() => createFrameSource({ source: 'file', fps: 0 }, { log: silentLogger })).toThrow(/camera.path/);
  });
});
