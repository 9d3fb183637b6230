import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInspector } from '../../src/model/client.js';
import type { Inspector } from '../../src/model/types.js';
import { preprocessImage } from '../../src/preprocess/sharp.js';

const ROOT = resolve(__dirname, '../..');

describe('shipped casting model (residual score rule)', () => {
  let insp: Inspector;
  beforeAll(async () => {
    insp = await openInspector(join(ROOT, 'models/casting-int8.onnx'), { workers: 1 });
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

  it('scores a defect below and a good part above the card threshold', async () => {
    const t = insp.card.thresholds.good_only.value;
    const bad = await insp.inspect(await tensor('cast_def_0_1412.jpeg'), { wantMap: false });
    const good = await insp.inspect(await tensor('cast_ok_0_1174.jpeg'), { wantMap: false });
    expect(bad.score).toBeLessThan(t);
    expect(good.score).toBeGreaterThanOrEqual(t);
  });
});
