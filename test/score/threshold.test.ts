import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule, goodOnlyThreshold, ruleFromCard } from '../../src/score/threshold.js';

describe('good-only threshold rules', () => {
  it('median − k·1.4826·MAD', () => {
    // median 0.8, |dev| = [0.1,0.05,0,0.05,0.1] → MAD 0.05
    expect(goodOnlyThreshold([0.7, 0.75, 0.8, 0.85, 0.9], { kind: 'median_mad', k: 2 })).toBeCloseTo(0.8 - 2 * 1.4826 * 0.05, 12);
  });

  it('quantile − margin (numpy linear quantile)', () => {
    expect(goodOnlyThreshold([1, 2, 3, 4, 5], { kind: 'quantile_margin', q: 0.25, margin: 0.5 })).toBe(1.5);
  });

  it('refuses an empty histogram', () => {
    expect(() => goodOnlyThreshold([], { kind: 'median_mad', k: 1 })).toThrow(/no good scores/);
  });

  it('reads the rule training wrote into the shipped cards, and reproduces the card threshold from its own statistics', () => {
    for (const name of ['casting-int8', 'cracks-int8']) {
      const card = JSON.parse(readFileSync(join(resolve(__dirname, '../..'), 'models', `${name}.card.json`), 'utf8'));
      const rule = ruleFromCard(card.calibration);
      expect(rule).toEqual({ kind: 'median_mad', k: card.calibration.k_mad });
      expect(describeRule(rule)).toMatch(/MAD/);
      const h = card.calibration.held_out_good;
      expect(h.median - rule.k * 1.4826 * h.mad).toBeCloseTo(card.thresholds.good_only.value, 6);
    }
  });

  it('falls back to the 1 % quantile for a card without calibration details', () => {
    expect(ruleFromCard(undefined)).toEqual({ kind: 'quantile_margin', q: 0.01, margin: 0 });
  });
});
