import { afterAll, describe, it, expect } from 'vitest';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { InspectdError } from '../../src/platform/errors.js';
import { openInspector } from '../../src/model/client.js';
import { cardProblems, loadModel, readCard } from '../../src/model/load.js';
import { toPlanarFloat } from '../../src/preprocess/sharp.js';
import { score } from '../../src/score/rules.js';
import { FIXTURES, modelWithCard, pixels, removeTempModels } from './helpers.js';

// Two-stage model: (reconstruction, anomaly map) from one graph; the card's combo rule reads both.
const TWO = join(FIXTURES, 'tiny_two_stage.onnx');
afterAll(removeTempModels);

describe('two-stage model (reconstruction + anomaly map)', () => {
  it('the worker fetches both outputs and scores the combo rule as computed here; the heatmap is 1 - anomaly', async () => {
    const { card } = await loadModel(TWO);
    const { width: W, height: H } = card.preprocess;
    const px = pixels(W, H, 1, 3);
    const data = toPlanarFloat(px, card.preprocess);
    const session = await ort.InferenceSession.create(TWO);
    const out = await session.run({ input: new ort.Tensor('float32', data.slice(), card.input.shape) });
    await session.release();
    const recon = out.recon.data as Float32Array;
    const anomaly = out.anomaly.data as Float32Array;
    const x = Float32Array.from(px, (v) => v / 255);
    const want = score(card.score, { input: x, recon, ssimMap: new Float32Array(0), width: W, height: H, channels: 1, anomaly });
    // Both parts contribute: the combo differs from either part's z alone.
    const [p0, p1] = card.score.parts!;
    const z0 = (score(p0, { input: x, recon, ssimMap: new Float32Array(0), width: W, height: H, channels: 1 }) - p0.median) / p0.scale;
    expect(Math.abs(want - z0)).toBeGreaterThan(1e-3);
    expect(p1.rule).toBe('anomaly_max');

    const insp = await openInspector(TWO, { workers: 1, warmup: 1 });
    try {
      const r = await insp.inspect({ data, width: W, height: H, channels: 1 }, { wantMap: true });
      expect(Math.abs(r.score - want)).toBeLessThan(1e-6);
      expect(r.map).toBeDefined();
      let worst = 0;
      for (let i = 0; i < W * H; i++) worst = Math.max(worst, Math.abs(r.map![i] - (1 - anomaly[i])));
      expect(worst).toBeLessThan(1e-6);
    } finally {
      await insp.close();
    }
  });

  it('a card whose rule reads the anomaly map but names no anomaly_output is refused, naming both', () => {
    const { card } = readCard(TWO);
    const bad = { ...card, anomaly_output: undefined };
    const problems = cardProblems(bad);
    expect(problems.map((p) => p.path)).toContain('score');
    expect(problems.find((p) => p.path === 'score')!.message).toMatch(/anomaly map.*anomaly_output/);
  });

  it('an anomaly_output name the graph does not have is a shape mismatch at load', async () => {
    const m = modelWithCard(TWO, (c) => { c.anomaly_output.name = 'mask'; });
    await expect(loadModel(m)).rejects.toSatisfy((e: unknown) => e instanceof InspectdError && e.code === 'MODEL_SHAPE_MISMATCH' && /"mask" is not an output/.test(e.message));
  });

  it('combo without parts, and a part with a bad pool, are card problems', () => {
    const { card } = readCard(TWO);
    expect(cardProblems({ ...card, score: { rule: 'combo', polarity: 'higher_is_good' } }).map((p) => p.message)).toContain('rule combo needs "parts"');
    const parts = [{ rule: 'anomaly_max' as const, pool: 99, median: 0, scale: 1 }];
    expect(cardProblems({ ...card, score: { rule: 'combo', parts, polarity: 'higher_is_good' } }).map((p) => p.message).join()).toMatch(/parts\[0\]: pool 99 exceeds the 32×24 anomaly map/);
  });

  it('scoring anomaly_max without a map throws MODEL_SCORE_RULE (a one-output model cannot feed it)', () => {
    const s = { input: new Float32Array(16), recon: new Float32Array(16), ssimMap: new Float32Array(16), width: 4, height: 4, channels: 1 };
    expect(() => score({ rule: 'anomaly_max', pool: 2 }, s)).toThrow(/needs the model's 4×4 anomaly map, got none/);
  });
});
