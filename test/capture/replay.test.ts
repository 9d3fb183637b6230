import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFrameSource } from '../../src/capture/index.js';
import { silentLogger } from '../../src/capture/log.js';
import { createReplaySource } from '../../src/capture/replay.js';
import type { Frame } from '../../src/capture/types.js';

async function take(it: AsyncIterable<Frame>, n = Infinity): Promise<Frame[]> {
  const out: Frame[] = [];
  if (n <= 0) return out;
  for await (const f of it) {
    out.push(f);
    if (out.length >= n) break;
  }
  return out;
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

  it('a vanished file is counted and skipped; an unreadable one is still delivered (empty) for preprocess to fail', async () => {
    await symlink(join(dir, 'gone.jpg'), join(dir, 'a2.jpg')); // dangling: ENOENT on read
    await mkdir(join(dir, 'b2.png')); // EISDIR on read
    const src = createReplaySource({ dir, fps: 0, loop: false, log: silentLogger });
    const frames = await take(src.frames(new AbortController().signal));
    expect(frames.map((f) => [f.source, f.data.length > 0])).toEqual([
      ['a.jpg', true],
      ['b.png', true],
      ['b2.png', false],
      ['c.jpeg', true],
    ]);
    expect(src.stats().missing).toBe(1);
  });

  it('paced (fps > 0) goes through the bounded queue: a consumer that is behind gets the newest frames, the rest are dropped and counted', async () => {
    for (let i = 0; i < 17; i++) await writeFile(join(dir, `z${String(i).padStart(2, '0')}.jpg`), `z${i}`);
    const src = createReplaySource({ dir, fps: 500, loop: false, queueSize: 2, log: silentLogger });
    const it = src.frames(new AbortController().signal);
    // Consume nothing until the camera has produced all 20 frames.
    while (src.stats().captured < 20) await new Promise((r) => setTimeout(r, 10));
    const frames = await take(it);
    expect(frames.map((f) => f.seq)).toEqual([19, 20]);
    expect(src.stats().dropped).toBe(18);
  });

  it('paced replay stops when the signal aborts', async () => {
    const ctl = new AbortController();
    const src = createReplaySource({ dir, fps: 50, loop: true, log: silentLogger });
    const got: Frame[] = [];
    for await (const f of src.frames(ctl.signal)) {
      got.push(f);
      if (got.length === 4) ctl.abort();
    }
    expect(got.length).toBe(4);
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
