/**
 * How many good parts a threshold is expected to reject, from the goods it was calibrated on,
 * and whether there were enough of those goods to say.
 */

/** Below this many good images a threshold (median − k·MAD, or a low quantile) moves a lot from one sample to the next. */
export const MIN_CALIBRATION_GOODS = 200;

export interface FalseRejectRate {
  rate: number;
  /** Wilson score interval, 95 %: honest at small n and at 0 rejects, unlike rate ± 2σ. */
  ci95: [number, number];
  rejected: number;
  n: number;
}

export function falseRejectRate(goodScores: ArrayLike<number>, threshold: number): FalseRejectRate {
  const n = goodScores.length;
  let rejected = 0;
  for (let i = 0; i < n; i++) if (goodScores[i] < threshold) rejected++;
  return { rate: n ? rejected / n : 0, ci95: wilson(rejected, n), rejected, n };
}

export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/** The warning `calibrate` prints (and puts in its JSON) when the goods are too few; null when enough. */
export function tooFewGoods(n: number): string | null {
  return n < MIN_CALIBRATION_GOODS
    ? `only ${n} good images (< ${MIN_CALIBRATION_GOODS}): the threshold and the expected false-reject rate are uncertain; calibrate again with more good parts of this station`
    : null;
}

/** One share with its 95 % Wilson interval: `count` of `n`. */
export interface Share {
  count: number;
  n: number;
  rate: number;
  ci95: [number, number];
}

function share(count: number, n: number): Share {
  return { count, n, rate: n ? count / n : 0, ci95: wilson(count, n) };
}

/** A threshold checked against parts people labelled (the review queue, or an exported folder). */
export interface LabelledRates {
  threshold: number;
  /** Parts labelled good that this threshold rejects (score < threshold). */
  false_reject: Share;
  /** Parts labelled defect that this threshold passes (score ≥ threshold): they would reach the customer. */
  miss: Share;
}

export function labelledRates(goodScores: ArrayLike<number>, defectScores: ArrayLike<number>, threshold: number): LabelledRates {
  let rejected = 0;
  for (let i = 0; i < goodScores.length; i++) if (goodScores[i] < threshold) rejected++;
  let passed = 0;
  for (let i = 0; i < defectScores.length; i++) if (defectScores[i] >= threshold) passed++;
  return { threshold, false_reject: share(rejected, goodScores.length), miss: share(passed, defectScores.length) };
}
