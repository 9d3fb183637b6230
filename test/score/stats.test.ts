import { describe, it, expect } from 'vitest';
import { auroc, confusion, f1OptimalThreshold, histogram, quantile, select } from '../../src/score/stats.js';
import { golden } from './golden.js';

describe('statistics against scipy / numpy (golden values)', () => {
  for (const g of golden.stats) {
    it(`${g.name}: AUROC equals Mann–Whitney U / (n_good·n_defect)`, () => {
      expect(auroc(g.good, g.defect)).toBeCloseTo(g.auroc, 12);
    });
    it(`${g.name}: numpy.quantile linear`, () => {
      const all = [...g.good, ...g.defect];
      for (const { q, value } of g.quantiles) expect(quantile(all, q)).toBeCloseTo(value, 14);
    });
    it(`${g.name}: numpy.histogram`, () => {
      const h = histogram([...g.good, ...g.defect], g.histogram.bins);
      expect(h.counts).toEqual(g.histogram.counts);
      for (let i = 0; i < h.edges.length; i++) expect(h.edges[i]).toBeCloseTo(g.histogram.edges[i], 14);
    });
  }
});

describe('statistics by hand', () => {
  it.each([
    [[0.9, 0.8], [0.1, 0.2], 1],
    [[0.1, 0.2], [0.9, 0.8], 0],
    [[0.5], [0.5], 0.5],
    [[0.5, 0.7], [0.5, 0.1], 0.875], // pairs: (.5,.5)=.5 (.5,.1)=1 (.7,.5)=1 (.7,.1)=1 → 3.5/4
  ])('auroc(good=%j, defect=%j) = %f', (good, defect, want) => {
    expect(auroc(good, defect)).toBeCloseTo(want, 12);
  });

  it('auroc is NaN without one of the classes', () => {
    expect(auroc([], [0.1])).toBeNaN();
    expect(auroc([0.1], [])).toBeNaN();
  });

  it('confusion rejects strictly below the threshold, defect = positive', () => {
    const c = confusion([0.9, 0.8, 0.5], [0.4, 0.5, 0.95], 0.5);
    // defects: 0.4 < 0.5 → tp; 0.5 not < 0.5 → fn; 0.95 → fn. goods: none below → tn 3.
    expect(c).toMatchObject({ tp: 1, fn: 2, fp: 0, tn: 3 });
    expect(c.accuracy).toBeCloseTo(4 / 6, 12);
    expect(c.precision).toBe(1);
    expect(c.recall).toBeCloseTo(1 / 3, 12);
    expect(c.f1).toBeCloseTo(0.5, 12);
  });

  it('confusion with nothing rejected reports precision and F1 of 0, not NaN', () => {
    const c = confusion([0.9], [0.8], 0);
    expect(c).toMatchObject({ tp: 0, fp: 0, tn: 1, fn: 1, precision: 0, recall: 0, f1: 0, accuracy: 0.5 });
  });

  it('f1OptimalThreshold picks the midpoint of the best gap', () => {
    const best = f1OptimalThreshold([0.9, 0.95, 0.8], [0.3, 0.5, 0.6]);
    expect(best.threshold).toBeCloseTo(0.7, 12);
    expect(best).toMatchObject({ tp: 3, fp: 0, tn: 3, fn: 0, f1: 1 });
  });

  it('f1OptimalThreshold handles ties and overlap (brute force over all candidates agrees)', () => {
    const good = [0.8, 0.8, 0.9, 0.7, 0.85, 0.6];
    const defect = [0.8, 0.7, 0.6, 0.8, 0.5];
    const best = f1OptimalThreshold(good, defect);
    const cands = [...good, ...defect, 0, 1].flatMap((v) => [v, v + 1e-9]);
    const bruteBest = Math.max(...cands.map((t) => confusion(good, defect, t).f1));
    expect(best.f1).toBeCloseTo(bruteBest, 12);
    expect(confusion(good, defect, best.threshold).f1).toBe(best.f1);
  });

  it('−∞ scores (unreadable frames) rank lowest and are always rejected', () => {
    const good = [0.9, 0.95, -Infinity];
    const defect = [-Infinity, 0.5, 0.6];
    // pairs good>defect: .9 and .95 beat all 3 (6), −∞ ties −∞ (0.5) → 6.5/9
    expect(auroc(good, defect)).toBeCloseTo(6.5 / 9, 12);
    const best = f1OptimalThreshold(good, defect);
    expect(best).toMatchObject({ tp: 3, fp: 1, fn: 0, tn: 2 });
    expect(best.threshold).toBeCloseTo(0.75, 12);
    expect(f1OptimalThreshold([-Infinity], [-Infinity]).tp).toBe(1);
  });

  it('quantile matches numpy on small arrays and interpolates linearly', () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 1 / 3)).toBeCloseTo(2, 12);
    expect(quantile([5], 0.3)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });

  it('select finds every order statistic of data with duplicates and sorted runs', () => {
    const data = [5, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4];
    const sorted = [...data].sort((a, b) => a - b);
    for (let k = 0; k < data.length; k++) expect(select(Float64Array.from(data), k)).toBe(sorted[k]);
    for (let k = 0; k < 50; k += 7) expect(select(Float64Array.from({ length: 50 }, (_, i) => i), k)).toBe(k);
  });

  it('histogram: right edge inclusive, out-of-range ignored, constant input widened by ±0.5', () => {
    expect(histogram([0, 0.5, 1], 2).counts).toEqual([1, 2]);
    expect(histogram([-1, 0, 0.25, 2], 4, [0, 1]).counts).toEqual([1, 1, 0, 0]);
    const flat = histogram([3, 3], 2);
    expect(flat.edges).toEqual([2.5, 3, 3.5]);
    expect(flat.counts).toEqual([0, 2]);
  });
});
