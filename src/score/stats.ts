/**
 * Pure statistics for `eval` and `calibrate`. Conventions shared by every function here:
 * scores are "higher = more like a good part" (the model card's polarity), a frame is rejected
 * when its score is strictly below the threshold, and *defect is the positive class* (a true
 * positive is a rejected defect). −∞ is a valid score (eval gives it to unreadable frames, which
 * the daemon rejects); NaN is not.
 */

/** numpy.quantile(values, q) with the default 'linear' method. NaN for an empty input. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be in [0,1], got ${q}`);
  const n = values.length;
  if (n === 0) return NaN;
  const a = Float64Array.from(values);
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const vlo = select(a, lo);
  if (frac === 0 || lo + 1 >= n) return vlo;
  // After select(a, lo), everything right of lo is ≥ a[lo]: the next order statistic is their min.
  let vhi = Infinity;
  for (let i = lo + 1; i < n; i++) if (a[i] < vhi) vhi = a[i];
  // numpy's lerp form, so results agree to the last bit in the common cases.
  return frac >= 0.5 ? vhi - (vhi - vlo) * (1 - frac) : vlo + (vhi - vlo) * frac;
}

/**
 * k-th smallest (0-based) by in-place quickselect (Hoare partition, median-of-three), O(n)
 * on average; leaves a[k] in place with a[..k] ≤ a[k] ≤ a[k+1..].
 */
export function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot: defends against sorted inputs (common for maps of flat parts).
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Area under the ROC curve for detecting defects by low score: P(defect < good) + ½ P(tie),
 * the Mann–Whitney U of the good scores over the defect scores divided by n_good·n_defect,
 * with midranks for ties. NaN when either class is empty.
 */
export function auroc(good: ArrayLike<number>, defect: ArrayLike<number>): number {
  const ng = good.length;
  const nd = defect.length;
  if (ng === 0 || nd === 0) return NaN;
  const all: { v: number; g: boolean }[] = [];
  for (let i = 0; i < ng; i++) all.push({ v: good[i], g: true });
  for (let i = 0; i < nd; i++) all.push({ v: defect[i], g: false });
  all.sort(byValue);
  let rankSumGood = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const midrank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (all[t].g) rankSumGood += midrank;
    i = j + 1;
  }
  const u = rankSumGood - (ng * (ng + 1)) / 2;
  return u / (ng * nd);
}

export interface Confusion {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  accuracy: number;
  /** tp / (tp + fp); 0 when nothing is rejected (scikit-learn's zero_division=0). */
  precision: number;
  /** tp / (tp + fn); 0 when there are no defects. */
  recall: number;
  /** 2·tp / (2·tp + fp + fn); 0 when undefined. */
  f1: number;
}

/** Confusion counts and derived metrics when rejecting every score < threshold. */
export function confusion(good: ArrayLike<number>, defect: ArrayLike<number>, threshold: number): Confusion {
  let tp = 0;
  let fn = 0;
  let fp = 0;
  let tn = 0;
  for (let i = 0; i < defect.length; i++) if (defect[i] < threshold) tp++; else fn++;
  for (let i = 0; i < good.length; i++) if (good[i] < threshold) fp++; else tn++;
  const total = tp + fp + tn + fn;
  return {
    threshold, tp, fp, tn, fn,
    accuracy: total ? (tp + tn) / total : 0,
    precision: tp + fp ? tp / (tp + fp) : 0,
    recall: tp + fn ? tp / (tp + fn) : 0,
    f1: 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0,
  };
}

/**
 * The threshold with the highest F1. Only the order of scores matters, so the candidates are
 * midpoints between consecutive distinct scores (plus one below the lowest and one above the
 * highest): a midpoint is as far as possible from both neighbours, the most robust choice when
 * field scores jitter. Ties in F1 go to the lowest threshold (fewest rejects). O(n log n).
 */
export function f1OptimalThreshold(good: ArrayLike<number>, defect: ArrayLike<number>): Confusion {
  const pts: { v: number; d: boolean }[] = [];
  for (let i = 0; i < good.length; i++) pts.push({ v: good[i], d: false });
  for (let i = 0; i < defect.length; i++) pts.push({ v: defect[i], d: true });
  if (pts.length === 0) return confusion(good, defect, 0);
  pts.sort(byValue);
  const nd = defect.length;
  // Sweep upwards: after passing a group of equal scores, they are all below the next candidate.
  let bestF1 = -1;
  // Below the lowest score nothing is rejected (−∞ works even when the lowest score is −∞).
  let best = -Infinity;
  let tp = 0;
  let fp = 0;
  const consider = (t: number): void => {
    const fn = nd - tp;
    const f1 = 2 * tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 0;
    if (f1 > bestF1) {
      bestF1 = f1;
      best = t;
    }
  };
  consider(best);
  for (let i = 0; i < pts.length; ) {
    let j = i;
    while (j < pts.length && pts[j].v === pts[i].v) {
      if (pts[j].d) tp++;
      else fp++;
      j++;
    }
    if (j < pts.length) consider(between(pts[i].v, pts[j].v));
    else if (Number.isFinite(pts[i].v)) consider(pts[i].v + Math.max(1e-6, Math.abs(pts[i].v) * 1e-9));
    else if (pts[i].v === -Infinity) consider(0); // +∞ can never be rejected: no candidate above it
    i = j;
  }
  return confusion(good, defect, best);
}

/**
 * A threshold t with a < t ≤ b (so a is rejected and b is not): the midpoint when both are
 * finite. Callers score unreadable frames −∞ (they count as rejects), hence the infinite cases.
 */
function between(a: number, b: number): number {
  if (Number.isFinite(a) && Number.isFinite(b)) {
    const m = (a + b) / 2;
    return m > a ? m : b; // adjacent doubles: the midpoint rounds onto a
  }
  if (Number.isFinite(a)) return a + 1;
  if (Number.isFinite(b)) return b - 1;
  return 0;
}

/** Sort comparator that, unlike `a - b`, is consistent for ±Infinity (−∞ − −∞ is NaN). */
function byValue(a: { v: number }, b: { v: number }): number {
  return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
}

export interface Histogram {
  /** bins + 1 edges, equal width from min to max. */
  edges: number[];
  counts: number[];
}

/**
 * numpy.histogram(values, bins, range): equal-width bins, each half-open [a, b) except the
 * last, which includes its right edge; values outside the range are ignored. The range
 * defaults to [min, max] of the values (±0.5 when they are all equal, as numpy does).
 */
export function histogram(values: ArrayLike<number>, bins: number, range?: [number, number]): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram bins must be a positive integer, got ${bins}`);
  let lo = range ? range[0] : Infinity;
  let hi = range ? range[1] : -Infinity;
  if (!range) {
    for (let i = 0; i < values.length; i++) {
      if (values[i] < lo) lo = values[i];
      if (values[i] > hi) hi = values[i];
    }
    if (values.length === 0) [lo, hi] = [0, 1];
  }
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  if (!(hi > lo)) throw new RangeError(`histogram range must be increasing, got [${lo}, ${hi}]`);
  // numpy.linspace's arithmetic (i·step + lo), so edges match numpy's to the last bit.
  const step = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * step + lo);
  edges[bins] = hi;
  const counts = new Array<number>(bins).fill(0);
  const scale = bins / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    let b = Math.min(bins - 1, Math.floor((v - lo) * scale));
    // Float rounding can put a value on the wrong side of an edge: fix up against the edges array.
    if (b > 0 && v < edges[b]) b--;
    else if (b < bins - 1 && v >= edges[b + 1]) b++;
    counts[b]++;
  }
  return { edges, counts };
}
