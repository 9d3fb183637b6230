import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInspector } from '../../src/model/client.js';
import type { Inspector } from '../../src/model/types.js';
import * as ort from 'onnxruntime-node';
import { preprocessImage } from '../../src/preprocess/index.js';
import { residualHeat } from '../../src/score/rules.js';
import { SsimComputer } from '../../src/score/ssim.js';
import { unitPlanes } from '../../src/model/planes.js';

const ROOT = resolve(__dirname, '../..');
// The autoencoder alone (residual rule) ships as casting-ae; the default casting model is two-stage.
const MODEL = join(ROOT, 'models/casting-ae-int8.onnx');

describe('shipped casting model (residual score rule)', () => {
  let insp: Inspector;
  beforeAll(async () => {
    insp = await openInspector(MODEL, { workers: 1 });
  });
  afterAll(async () => insp?.close());

  async function tensor(file: string) {
    return (await preprocessImage(readFileSync(join(ROOT, 'samples/casting', file)), insp.card.preprocess)).tensor;
  }

  it('computes the SSIM map only when a heatmap is wanted for the frame; the score does not change', async () => {
    expect(insp.card.score.rule).toBe('residual_pool');
    const without = await insp.inspect(await tensor('cast_def_0_1412.jpeg'), { wantMap: true, mapIfScoreBelow: -Infinity });
    const withMap = await insp.inspect(await tensor('cast_def_0_1412.jpeg'), { wantMap: true, mapIfScoreBelow: Infinity });
    expect(without.map).toBeUndefined();
    expect(without.ssimMean).toBeNull();
    expect(withMap.map?.length).toBe(128 * 128);
    expect(withMap.ssimMean).toBeGreaterThan(0);
    expect(withMap.score).toBe(without.score);
  });

  it('the mean SSIM it returns with a heatmap is the study\'s SSIM of frame vs reconstruction', async () => {
    const t = await tensor('cast_def_0_1412.jpeg');
    const data = Float32Array.from(t.data); // inspect() transfers its tensor's buffer
    const out = await insp.inspect(t, { wantMap: true });
    const c = insp.card;
    const session = await ort.InferenceSession.create(MODEL);
    const recon = (await session.run({ [c.input.name]: new ort.Tensor('float32', Float32Array.from(data), c.input.shape) }))[c.output.name].data as Float32Array;
    await session.release();
    const x = unitPlanes(data, 128 * 128, 1, c.preprocess.mean, c.preprocess.std, new Float32Array(128 * 128));
    const want = new SsimComputer(128, 128, 1, { sigma: c.ssim.sigma, win: c.ssim.win, k1: c.ssim.k1, k2: c.ssim.k2, dataRange: c.ssim.data_range }).compute(x, recon).mean;
    expect(out.ssimMean).toBeCloseTo(want, 6);
    expect(out.ssimMean).not.toBeCloseTo(out.score, 3); // not the residual score
  });

  it('the heatmap is the residual the rule decides on (1 - 2·|recon - input|), not the SSIM map', async () => {
    const t = await tensor('cast_def_0_1412.jpeg');
    const x = Float32Array.from(t.data);
    const out = await insp.inspect(t, { wantMap: true });
    const session = await ort.InferenceSession.create(MODEL);
    const recon = (await session.run({ input: new ort.Tensor('float32', x, [1, 1, 128, 128]) })).output.data as Float32Array;
    await session.release();
    const want = residualHeat({ input: x, recon, ssimMap: new Float32Array(0), width: 128, height: 128, channels: 1 }, 'abs');
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(out.map![i] - want[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('scores a defect below and a good part above the card threshold', async () => {
    const t = insp.card.thresholds.good_only.value;
    const bad = await insp.inspect(await tensor('cast_def_0_1412.jpeg'), { wantMap: false });
    const good = await insp.inspect(await tensor('cast_ok_0_1174.jpeg'), { wantMap: false });
    expect(bad.score).toBeLessThan(t);
    expect(good.score).toBeGreaterThanOrEqual(t);
  });
});

describe('shipped casting model (two-stage: autoencoder + discriminative head, combo rule)', () => {
  let insp: Inspector;
  beforeAll(async () => {
    insp = await openInspector(join(ROOT, 'models/casting-int8.onnx'), { workers: 1 });
  });
  afterAll(async () => insp?.close());

  it('ranks every bundled defect below every bundled good part, goods pass at the card threshold; the heatmap is 1 - the anomaly map', async () => {
    expect(insp.card.score.rule).toBe('combo');
    expect(insp.card.anomaly_output?.name).toBe('anomaly');
    const t = insp.card.thresholds.good_only.value;
    const good: number[] = [];
    const defect: number[] = [];
    for (const f of readdirSync(join(ROOT, 'samples/casting'))) {
      const pre = await preprocessImage(readFileSync(join(ROOT, 'samples/casting', f)), insp.card.preprocess);
      const out = await insp.inspect(pre.tensor, { wantMap: true });
      (f.includes('_def_') ? defect : good).push(out.score);
      expect(out.map!.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    // Ranking, not the threshold, is the model's own quality on these 12; the threshold is a
    // calibration choice (the card's good-only rule) that lets about 1 defect in 7 through on test.
    expect(Math.max(...defect)).toBeLessThan(Math.min(...good));
    for (const g of good) expect(g).toBeGreaterThanOrEqual(t);
  });

  it('reads no SSIM: no mean SSIM either, with or without a heatmap (the heatmap is the head\'s map)', async () => {
    const pre = await preprocessImage(readFileSync(join(ROOT, 'samples/casting/cast_def_0_1412.jpeg')), insp.card.preprocess);
    const copy = () => ({ ...pre.tensor, data: Float32Array.from(pre.tensor.data) }); // inspect() transfers its buffer
    const withMap = await insp.inspect(copy(), { wantMap: true, mapIfScoreBelow: Infinity });
    const without = await insp.inspect(copy(), { wantMap: false });
    expect(withMap.map?.length).toBe(128 * 128);
    expect([withMap.ssimMean, without.ssimMean]).toEqual([null, null]);
  });
});
