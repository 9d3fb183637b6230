import { describe, it, expect } from 'vitest';
import { score, scoreRuleProblems, boxMeanExtreme } from '../../src/score/rules.js';
import { SsimComputer } from '../../src/score/ssim.js';
import { InspectdError } from '../../src/platform/errors.js';
import { golden } from './golden.js';

describe('score rules against numpy (golden values)', () => {
  for (const g of golden.ssim) {
    for (const { rule, value } of g.rules) {
      const label = `${g.name}: ${JSON.stringify(rule)}`;
      it(`${label} on the skimage map matches to 1e-9`, () => {
        const s = score(rule, { input: g.x, recon: g.y, ssimMap: Float64Array.from(g.map), width: g.width, height: g.height, channels: g.channels, pad: g.pad, anomaly: g.anomaly });
        expect(Math.abs(s - value)).toBeLessThan(1e-9);
      });
    }
    it(`${g.name}: every rule on our own float32 map and float32 planes matches to 1e-6`, () => {
      const x = Float32Array.from(g.x);
      const y = Float32Array.from(g.y);
      const { map } = new SsimComputer(g.width, g.height, g.channels, { sigma: g.sigma }).compute(x, y);
      for (const { rule, value } of g.rules) {
        const s = score(rule, { input: x, recon: y, ssimMap: map, width: g.width, height: g.height, channels: g.channels, pad: g.pad, anomaly: Float32Array.from(g.anomaly) });
        expect(Math.abs(s - value), JSON.stringify(rule)).toBeLessThan(1e-6);
      }
    });
  }
});

describe('score rules by hand', () => {
  // 12×12 map, crop 5 → the 2×2 centre [[0.2, 0.4], [0.6, 0.8]] (everything else 9 to catch crop bugs).
  const W = 12;
  const map = new Float64Array(W * W).fill(9);
  map[5 * W + 5] = 0.2; map[5 * W + 6] = 0.4; map[6 * W + 5] = 0.6; map[6 * W + 6] = 0.8;
  const base = { input: new Float64Array(W * W), recon: new Float64Array(W * W), ssimMap: map, width: W, height: W, channels: 1 };

  it.each([
    [{ rule: 'ssim_mean' as const }, 0.5],
    [{ rule: 'ssim_pool_min' as const, pool: 1 }, 0.2],
    [{ rule: 'ssim_pool_min' as const, pool: 2 }, 0.5],
    [{ rule: 'ssim_quantile' as const, q: 0 }, 0.2],
    [{ rule: 'ssim_quantile' as const, q: 0.5 }, 0.5],
    [{ rule: 'ssim_quantile' as const, q: 0.25 }, 0.35],
    [{ rule: 'ssim_quantile' as const, q: 1 }, 0.8],
  ])('%j → %f', (rule, want) => {
    expect(score(rule, base)).toBeCloseTo(want, 12);
  });

  it('residual_pool separates dark from bright residuals and averages channels', () => {
    const n = W * W;
    const input = new Float64Array(2 * n).fill(0.5);
    const recon = new Float64Array(2 * n).fill(0.5);
    recon[3 * W + 3] = 0.9; // channel 0: recon brighter than input → 'dark' defect (input darker), 0.4
    recon[n + 3 * W + 3] = 0.7; // channel 1: +0.2 at the same pixel
    recon[8 * W + 8] = 0.1; // channel 0: recon darker → 'bright' residual 0.4, channel 1: none
    const s = { input, recon, ssimMap: map, width: W, height: W, channels: 2 };
    expect(score({ rule: 'residual_pool', pool: 1, sign: 'dark' }, s)).toBeCloseTo(1 - 0.3, 12);
    expect(score({ rule: 'residual_pool', pool: 1, sign: 'bright' }, s)).toBeCloseTo(1 - 0.2, 12);
    expect(score({ rule: 'residual_pool', pool: 1, sign: 'abs' }, s)).toBeCloseTo(1 - 0.3, 12);
    // The residual map is not cropped: a pixel at (3,3) lies inside the SSIM crop margin and still counts.
    expect(score({ rule: 'residual_pool', pool: 2, sign: 'dark' }, s)).toBeCloseTo(1 - 0.3 / 4, 12);
  });

  it('boxMeanExtreme equals brute force on a random region', () => {
    const w = 17, h = 13, stride = 20;
    const src = Array.from({ length: stride * 16 }, (_, i) => Math.sin(i * 12.9898) * 0.5 + 0.5);
    for (const k of [1, 3, 5, 13]) {
      let min = Infinity, max = -Infinity;
      for (let i = 0; i + k <= h; i++) for (let j = 0; j + k <= w; j++) {
        let s = 0;
        for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += src[(2 + i + a) * stride + 1 + j + b];
        min = Math.min(min, s / (k * k)); max = Math.max(max, s / (k * k));
      }
      expect(boxMeanExtreme(src, stride, 1, 2, w, h, k, 'min')).toBeCloseTo(min, 12);
      expect(boxMeanExtreme(src, stride, 1, 2, w, h, k, 'max')).toBeCloseTo(max, 12);
    }
    expect(() => boxMeanExtreme(src, stride, 0, 0, w, h, 14, 'min')).toThrow(RangeError);
  });

  it('lists every problem of a rule and refuses to score with it', () => {
    expect(scoreRuleProblems({ rule: 'residual_pool' }, 32, 32)).toEqual(['rule residual_pool needs "pool"', 'rule residual_pool needs "sign"']);
    expect(scoreRuleProblems({ rule: 'ssim_quantile' }, 32, 32)).toEqual(['rule ssim_quantile needs "q"']);
    expect(scoreRuleProblems({ rule: 'ssim_pool_min', pool: 23 }, 32, 32)).toEqual(['pool 23 exceeds the cropped 22×22 SSIM map']);
    expect(scoreRuleProblems({ rule: 'ssim_pool_min', pool: 22 }, 32, 32)).toEqual([]);
    try {
      score({ rule: 'ssim_pool_min' }, base);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InspectdError);
      expect((err as InspectdError).code).toBe('MODEL_SCORE_RULE');
    }
  });
});
