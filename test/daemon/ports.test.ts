import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createPorts } from '../../src/daemon/index.js';
import type { Frame } from '../../src/domain/index.js';
import { silentLogger } from '../../src/platform/index.js';
import { FakeClock } from '../fakes/clock.js';
import { waitFor } from '../helpers/poll.js';

const FAKES = resolve(__dirname, '../fakes/gpiod');

describe('createPorts', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function configFor(camera: string, gpio = '{ backend: sim }') {
    const dir = mkdtempSync(join(tmpdir(), 'inspectd-ports-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'frames'));
    writeFileSync(join(dir, 'm.onnx'), 'not read: no inspector is opened');
    for (const n of ['a.jpg', 'b.jpg']) writeFileSync(join(dir, 'frames', n), `bytes of ${n}`);
    return parseConfig(
      ['station: s1', `camera: ${camera}`, 'model: { path: m.onnx, threshold: 0.5 }', `gpio: ${gpio}`, "mqtt: { url: '' }"].join('\n'),
      join(dir, 'config.yaml'),
    );
  }

  const deps = (clock: FakeClock) => ({
    log: silentLogger, onFault: () => {}, onCameraFrame: () => {}, onDropped: () => {},
    clock, wallNow: () => 1_700_000_000_000 + clock.now(),
  });

  it("the camera takes the app's clock: frames carry its time, not performance.now()", async () => {
    const clock = new FakeClock(5_000_000);
    const source = await createPorts(configFor('{ source: replay, path: frames, fps: 0, loop: false }'), { env: {}, pid: 1 }).createFrameSource(deps(clock));
    const frames: Frame[] = [];
    for await (const f of source.frames(new AbortController().signal)) frames.push(f);
    expect(frames.map((f) => [f.source, f.capturedAt, f.wallTs])).toEqual([
      ['a.jpg', 5_000_000, 1_700_005_000_000],
      ['b.jpg', 5_000_000, 1_700_005_000_000],
    ]);
  });

  it("a software trigger times out on the app's clock, exactly timeout_ms after the edge", async () => {
    const clock = new FakeClock(5_000_000);
    // 1 fps: the camera's first frame is at 5_000_000, its next not before 5_001_000.
    const camera = '{ source: replay, path: frames, fps: 1, trigger: { mode: software, timeout_ms: 250 } }';
    const source = await createPorts(configFor(camera), { env: {}, pid: 1 }).createFrameSource(deps(clock));
    const it = source.frames(new AbortController().signal)[Symbol.asyncIterator]();
    // The first frame is due at once: fire its timer when armed (after the folder is listed), no time passes.
    for (let spins = 0; (source.stats() as { cameraFrames?: number }).cameraFrames !== 1; spins++) {
      if (spins > 100_000) throw new Error('the replay camera never delivered its first frame');
      if (clock.nextDue === clock.now()) clock.advance(0);
      await new Promise((r) => setImmediate(r));
    }
    clock.advance(10);
    expect(source.softwareTrigger()).toBe(1);
    const next = it.next();
    clock.advance(249);
    await new Promise((r) => setImmediate(r));
    expect(source.stats()).toMatchObject({ triggers: 1, missed: 0 });
    clock.advance(1);
    const f = (await next).value as Frame;
    expect([f.seq, f.source, f.capturedAt]).toEqual([1, 'trigger-timeout', 5_000_010]);
    await source.stop();
  });

  it("a photo-eye gpiomon that keeps dying is restarted on the app's clock and turns fatal after camera.max_restarts", async () => {
    const clock = new FakeClock(0);
    const faults: Array<{ code: string; message: string; fatal: boolean }> = [];
    const camera = '{ source: replay, path: frames, fps: 1, max_restarts: 1, trigger: { mode: gpio, line: { offset: 5 } } }';
    // The libgpiod stand-ins found through PATH, as the real tools would be; this gpiomon exits at once.
    const env = { PATH: `${FAKES}:${process.env.PATH}`, FAKE_GPIOMON_EXIT: '1' };
    const source = await createPorts(configFor(camera, '{ backend: sim, chip: pinctrl-rp1 }'), { env, pid: 1 }).createFrameSource({ ...deps(clock), onFault: (f) => faults.push(f) });
    source.frames(new AbortController().signal);
    await waitFor(() => faults.length === 1, 'the first gpiomon death');
    expect(faults[0]).toMatchObject({ code: 'GPIO_TRIGGER_LOST', fatal: false, message: expect.stringMatching(/code 1.*restarting in 500 ms/) });
    expect(clock.dues).toContain(500); // the restart, among the replay camera's pacing (due at whole seconds)
    clock.advanceTo(500);
    await waitFor(() => faults.length === 2, 'the second gpiomon death');
    expect(faults[1]).toMatchObject({ code: 'GPIO_TRIGGER_LOST', fatal: true, message: expect.stringMatching(/gave up after 2 deaths in a row/) });
    expect(clock.dues).not.toContain(1500); // no third start
    await source.stop();
  });
});
