import { afterAll, describe, it, expect } from 'vitest';
import { readdirSync, rmSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { InspectdError } from '../../src/platform/errors.js';
import { openInspector, workerScriptUrl, type Inspector } from '../../src/model/client.js';
import { readCard } from '../../src/model/load.js';
import { toPlanarFloat } from '../../src/preprocess/sharp.js';
import type { Tensor } from '../../src/preprocess/types.js';
import { score } from '../../src/score/rules.js';
import { SsimComputer } from '../../src/score/ssim.js';
import { GRAY, RGB, modelWithCard, pixels, removeTempModels } from './helpers.js';

// These tests start real worker threads, which load the compiled dist/model/worker.js:
// run `npx tsc -p .` first (npm test does).

afterAll(removeTempModels);

function frame(model: string, seed: number): { tensor: Tensor; px: Uint8Array } {
  const { card } = readCard(model);
  const p = card.preprocess;
  const px = pixels(p.width, p.height, p.channels, seed);
  return { tensor: { data: toPlanarFloat(px, p), width: p.width, height: p.height, channels: p.channels }, px };
}

/** What the worker should compute, done here on the test's own thread with its own session. */
async function expected(model: string, seed: number) {
  const { card } = readCard(model);
  const { width: W, height: H, channels: C } = card.preprocess;
  const { tensor, px } = frame(model, seed);
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({ input: new ort.Tensor('float32', tensor.data, card.input.shape) });
  await session.release();
  const recon = out.recon.data as Float32Array;
  // The frame as the score sees it: u8/255, planar.
  const x = new Float32Array(W * H * C);
  for (let c = 0; c < C; c++) for (let i = 0; i < W * H; i++) x[c * W * H + i] = px[i * C + c] / 255;
  const res = new SsimComputer(W, H, C).compute(x, recon);
  return { ssimMean: res.mean, map: res.map.slice(), score: score(card.score, { input: x, recon, ssimMap: res.map, width: W, height: H, channels: C }) };
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function rejection(p: Promise<unknown>): Promise<InspectdError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InspectdError);
    return err as InspectdError;
  }
  throw new Error('expected a rejection');
}

const threadCount = (): number => readdirSync('/proc/self/task').length;

describe('openInspector / inspect', () => {
  it('maps the vitest source path to the compiled worker (src/ → dist/)', () => {
    expect(workerScriptUrl('file:///x/src/model/client.ts').href).toBe('file:///x/dist/model/worker.js');
    expect(workerScriptUrl('file:///x/dist/model/client.js').href).toBe('file:///x/dist/model/worker.js');
  });

  it('gray model: score = SSIM of the frame vs the model output computed independently; map on request', async () => {
    const want = await expected(GRAY, 3);
    const ins = await openInspector(GRAY);
    try {
      expect(ins.card.name).toBe('tiny_gray');
      const { tensor } = frame(GRAY, 3);
      const out = await ins.inspect(tensor, { wantMap: true });
      expect(tensor.data.length).toBe(0); // transferred, not copied
      expect(Math.abs(out.score - want.score)).toBeLessThan(1e-6);
      expect(Math.abs(out.ssimMean - want.ssimMean)).toBeLessThan(1e-6);
      expect(out.score).toBeLessThan(0.99); // an untrained net does not reproduce its input
      expect(maxAbs(out.map!, want.map)).toBeLessThan(1e-5);
      expect(out.inferMs).toBeGreaterThan(0);
      const noMap = await ins.inspect(frame(GRAY, 3).tensor, { wantMap: false });
      expect(noMap.map).toBeUndefined();
      expect(noMap.score).toBe(out.score);
      // mapIfScoreBelow: the map only for frames that score below it.
      expect((await ins.inspect(frame(GRAY, 3).tensor, { wantMap: true, mapIfScoreBelow: out.score - 0.01 })).map).toBeUndefined();
      expect((await ins.inspect(frame(GRAY, 3).tensor, { wantMap: true, mapIfScoreBelow: out.score + 0.01 })).map).toBeInstanceOf(Float32Array);
      expect(ins.stats()).toMatchObject({ workers: 1, ready: 1, completed: 4, restarts: 0 });
    } finally {
      await ins.close();
    }
  });

  it('RGB model with the ssim_pool_min rule, two workers, many requests in flight: every result is right', async () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const want = await Promise.all(seeds.map((s) => expected(RGB, s)));
    const ins = await openInspector(RGB, { workers: 2 });
    try {
      const outs = await Promise.all(seeds.map((s) => ins.inspect(frame(RGB, s).tensor)));
      outs.forEach((o, i) => {
        expect(Math.abs(o.score - want[i].score)).toBeLessThan(1e-6);
        expect(Math.abs(o.ssimMean - want[i].ssimMean)).toBeLessThan(1e-6);
        expect(o.score).not.toBeCloseTo(o.ssimMean, 4); // pool-min, not the mean
      });
      expect(ins.stats()).toMatchObject({ workers: 2, ready: 2, completed: seeds.length, queued: 0, busy: 0 });
    } finally {
      await ins.close();
    }
  });

  it('rejects a tensor of the wrong size without touching a worker', async () => {
    const ins = await openInspector(GRAY, { warmup: 1 });
    try {
      const err = await rejection(ins.inspect({ data: new Float32Array(32 * 32), width: 32, height: 32, channels: 1 }));
      expect(err.code).toBe('MODEL_INPUT_SHAPE');
      expect(ins.stats().completed).toBe(0);
    } finally {
      await ins.close();
    }
  });

  it('refuses a model whose shape disagrees with its card (checked by the worker on its session)', async () => {
    const path = modelWithCard(GRAY, (c) => {
      c.input.shape = [1, 1, 32, 32];
      c.output.shape = [1, 1, 32, 32];
      c.preprocess.height = 32;
    });
    const err = await rejection(openInspector(path));
    expect(err.code).toBe('MODEL_SHAPE_MISMATCH');
    expect(err.message).toContain('input.shape');
  });
});

describe('worker recovery', () => {
  it('a stuck inference times out (MODEL_TIMEOUT), the frame behind it in the worker fails too, the worker is replaced and queued work is served', async () => {
    const restarts: string[] = [];
    const ins: Inspector = await openInspector(GRAY, { timeoutMs: 1500, warmup: 1, testHooks: true, onRestart: (e) => restarts.push(`${e.worker}:${e.reason}`) });
    try {
      const want = await expected(GRAY, 5);
      // testHook.stallMs busy-waits the worker thread, as a hung native session.run() would.
      const stuck = ins.inspect(frame(GRAY, 5).tensor, { testHook: { stallMs: 60_000 } });
      const behind = rejection(ins.inspect(frame(GRAY, 5).tensor)); // the worker's second request
      const queued = ins.inspect(frame(GRAY, 5).tensor);
      expect(ins.stats().queued).toBe(1);
      const err = await rejection(stuck);
      expect(err.code).toBe('MODEL_TIMEOUT');
      // Its buffer went to the lost worker: it fails at once, saying why, instead of hanging.
      const lost = await behind;
      expect(lost.code).toBe('MODEL_TIMEOUT');
      expect(lost.message).toContain('waited behind another');
      const ok = await queued; // served by the replacement worker
      expect(Math.abs(ok.score - want.score)).toBeLessThan(1e-6);
      expect(ins.stats()).toMatchObject({ timeouts: 1, restarts: 1, crashes: 0, ready: 1, completed: 1, failed: 2 });
      expect(restarts).toEqual(['0:timeout']);
    } finally {
      await ins.close();
    }
  });

  it('a crashed worker fails its request (MODEL_WORKER_CRASHED) and is replaced', async () => {
    const ins = await openInspector(GRAY, { warmup: 1, testHooks: true });
    try {
      const err = await rejection(ins.inspect(frame(GRAY, 1).tensor, { testHook: { crash: true } }));
      expect(err.code).toBe('MODEL_WORKER_CRASHED');
      expect(err.message).toContain('test hook: worker crash');
      const ok = await ins.inspect(frame(GRAY, 1).tensor);
      expect(Number.isFinite(ok.score)).toBe(true);
      expect(ins.stats()).toMatchObject({ crashes: 1, restarts: 1, ready: 1 });
    } finally {
      await ins.close();
    }
  });

  it('when a replacement cannot start (model file gone), queued and later requests fail with MODEL_WORKER_FAILED', async () => {
    const path = modelWithCard(GRAY, () => {});
    const ins = await openInspector(path, { warmup: 1, testHooks: true });
    try {
      rmSync(path);
      const crashed = rejection(ins.inspect(frame(GRAY, 1).tensor, { testHook: { crash: true } }));
      const behind = rejection(ins.inspect(frame(GRAY, 1).tensor));
      const queued = rejection(ins.inspect(frame(GRAY, 1).tensor));
      expect((await crashed).code).toBe('MODEL_WORKER_CRASHED');
      expect((await behind).code).toBe('MODEL_WORKER_CRASHED');
      const failed = await queued;
      expect(failed.code).toBe('MODEL_WORKER_FAILED');
      expect(failed.message).toContain('MODEL_LOAD_FAILED'); // says why the restart failed
      expect(ins.stats()).toMatchObject({ dead: 1, ready: 0, restarts: 1 });
      expect((await rejection(ins.inspect(frame(GRAY, 1).tensor))).code).toBe('MODEL_WORKER_FAILED');
    } finally {
      await ins.close();
    }
  });

  it('test hooks are refused unless enabled', async () => {
    const ins = await openInspector(GRAY, { warmup: 1 });
    try {
      expect((await rejection(ins.inspect(frame(GRAY, 1).tensor, { testHook: { crash: true } }))).code).toBe('MODEL_TEST_HOOK');
    } finally {
      await ins.close();
    }
  });

  it('close() terminates every worker thread and fails pending and later requests with MODEL_CLOSED', async () => {
    const before = threadCount();
    const ins = await openInspector(GRAY, { workers: 2, warmup: 1, testHooks: true });
    const open = threadCount();
    expect(open).toBeGreaterThanOrEqual(before + 2);
    const pending = rejection(ins.inspect(frame(GRAY, 1).tensor, { testHook: { stallMs: 60_000 } }));
    await ins.close();
    expect((await pending).code).toBe('MODEL_CLOSED');
    expect((await rejection(ins.inspect(frame(GRAY, 1).tensor))).code).toBe('MODEL_CLOSED');
    expect(threadCount()).toBeLessThanOrEqual(open - 2);
    expect(ins.stats()).toMatchObject({ ready: 0, busy: 0 });
    await ins.close(); // idempotent
  });
});
