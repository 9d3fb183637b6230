import { describe, expect, it } from 'vitest';
import { decide, resolveThreshold } from '../../src/decide/policy.js';

describe('decision policy', () => {
  it.each([
    [0.9, 0.8, 'pass'],
    [0.8, 0.8, 'pass'],
    [0.7999, 0.8, 'reject'],
    [-0.2, 0.1, 'reject'],
    [null, 0.8, 'error'],
    [Number.NaN, 0.8, 'error'],
    [Number.POSITIVE_INFINITY, 0.8, 'error'],
  ] as const)('score %s vs threshold %s → %s', (score, t, verdict) => {
    expect(decide(score, t)).toBe(verdict);
  });

  it('auto takes the card good-only threshold, a number overrides it', () => {
    const card = { thresholds: { good_only: { value: 0.61, rule: 'q' }, f1_optimal: { value: 0.7, rule: 'f1' } } };
    expect(resolveThreshold('auto', card)).toBe(0.61);
    expect(resolveThreshold(0.5, card)).toBe(0.5);
  });

});
