import { quantile } from './stats.js';

/**
 * Good-only threshold rules: how the score histogram of known-good parts becomes a threshold.
 * The rule and its parameters travel in the model card (`calibration.good_only_rule`) so that
 * `inspectd calibrate` on a station's own good parts applies the rule training chose.
 *
 *  quantile_margin  quantile(scores, q) − margin           (robust to a few bad "good" images)
 *  median_mad       median − k · 1.4826 · MAD              (assumes a unimodal good distribution)
 */
export type GoodOnlyRule =
  | { kind: 'quantile_margin'; q: number; margin: number }
  | { kind: 'median_mad'; k: number };

export const DEFAULT_RULE: GoodOnlyRule = { kind: 'quantile_margin', q: 0.01, margin: 0 };

export function goodOnlyThreshold(scores: ArrayLike<number>, rule: GoodOnlyRule): number {
  if (scores.length === 0) throw new RangeError('no good scores to calibrate from');
  if (rule.kind === 'quantile_margin') return quantile(scores, rule.q) - rule.margin;
  const med = quantile(scores, 0.5);
  const dev = Array.from(scores, (s) => Math.abs(s - med));
  return med - rule.k * 1.4826 * quantile(dev, 0.5);
}

export function describeRule(rule: GoodOnlyRule): string {
  return rule.kind === 'quantile_margin'
    ? `quantile(good, ${rule.q})${rule.margin ? ` - ${rule.margin}` : ''}`
    : `median(good) - ${rule.k}·1.4826·MAD(good)`;
}

/**
 * Reads the rule from a card's calibration block: an explicit `good_only_rule`, else the
 * `k_mad` that training/ writes for its median − k·MAD threshold, else the default.
 */
export function ruleFromCard(calibration: Record<string, unknown> | undefined): GoodOnlyRule {
  const r = calibration?.good_only_rule as Partial<GoodOnlyRule> | undefined;
  if (r?.kind === 'quantile_margin' && typeof r.q === 'number') return { kind: 'quantile_margin', q: r.q, margin: typeof r.margin === 'number' ? r.margin : 0 };
  if (r?.kind === 'median_mad' && typeof r.k === 'number') return { kind: 'median_mad', k: r.k };
  if (typeof calibration?.k_mad === 'number' && Number.isFinite(calibration.k_mad)) return { kind: 'median_mad', k: calibration.k_mad };
  return DEFAULT_RULE;
}
