/**
 * Pure score bookkeeping for the dashboard: a fixed ring of recent scores (no growth over months
 * of running), the histogram the page draws, and the threshold preview ("how many of these parts
 * would have been rejected at t?"). The rule is the daemon's: reject when score < threshold;
 * a frame that could not be inspected (kept here as NaN) is a reject whatever the threshold.
 */

export class ScoreRing {
  private readonly buf: Float64Array;
  private n = 0;

  constructor(readonly capacity = 2000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.buf = new Float64Array(capacity);
  }

  /** A score, or null for a frame that could not be inspected. */
  push(score: number | null): void {
    this.buf[this.n++ % this.capacity] = score === null || !Number.isFinite(score) ? NaN : score;
  }

  get size(): number {
    return Math.min(this.n, this.capacity);
  }

  /** Total pushed since start (not bounded by capacity). */
  get pushed(): number {
    return this.n;
  }

  /** Oldest first. */
  values(): Float64Array {
    if (this.n <= this.capacity) return this.buf.slice(0, this.n);
    const start = this.n % this.capacity;
    const out = new Float64Array(this.capacity);
    out.set(this.buf.subarray(start), 0);
    out.set(this.buf.subarray(0, start), this.capacity - start);
    return out;
  }
}

export interface Preview {
  /** Frames in the window. */
  n: number;
  /** Scored frames below the threshold. */
  below: number;
  /** Frames that could not be inspected (rejected at any threshold). */
  errors: number;
  /** below + errors. */
  rejected: number;
}

/** What a threshold would have done to these scores (NaN = error frame). */
export function preview(scores: ArrayLike<number>, threshold: number): Preview {
  let below = 0;
  let errors = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) errors++;
    else if (s < threshold) below++;
  }
  return { n: scores.length, below, errors, rejected: below + errors };
}

export interface Histogram {
  /** Left edge of the first bin and right edge of the last. */
  lo: number;
  hi: number;
  /** counts[i] covers [lo + i·w, lo + (i+1)·w); the last bin also holds hi. */
  counts: number[];
  /** Scored values (errors excluded). */
  n: number;
  min: number | null;
  max: number | null;
}

/**
 * Equal-width bins over [lo, hi]. Without an explicit range it spans the data and every value
 * in `include` (the threshold lines), padded a little so a line at an edge stays visible.
 */
export function histogram(scores: ArrayLike<number>, bins: number, range?: { lo: number; hi: number }, include: number[] = []): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  let min = Infinity;
  let max = -Infinity;
  let n = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!Number.isFinite(s)) continue;
    n++;
    if (s < min) min = s;
    if (s > max) max = s;
  }
  let lo: number;
  let hi: number;
  if (range) {
    if (!(range.hi > range.lo)) throw new RangeError(`histogram range must have hi > lo, got [${range.lo}, ${range.hi}]`);
    ({ lo, hi } = range);
  } else {
    const pts = [...(n ? [min, max] : []), ...include.filter(Number.isFinite)];
    lo = pts.length ? Math.min(...pts) : 0;
    hi = pts.length ? Math.max(...pts) : 1;
    const pad = Math.max((hi - lo) * 0.05, 0.005);
    lo -= pad;
    hi += pad;
  }
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!Number.isFinite(s) || s < lo || s > hi) continue;
    counts[Math.min(bins - 1, Math.floor((s - lo) / w))]++;
  }
  return { lo, hi, counts, n, min: n ? min : null, max: n ? max : null };
}
