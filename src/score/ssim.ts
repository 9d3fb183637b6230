/**
 * SSIM (mean and full map), bit-for-bit the definition training uses:
 * skimage.metrics.structural_similarity(im1, im2, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=1, full=True) — scipy.ndimage.gaussian_filter with
 * truncate 3.5 (→ 11 taps at σ 1.5) and mode 'reflect' (half-sample symmetric: d c b a | a b c d),
 * K1 .01, K2 .03, mean over the map cropped by (win-1)/2 px per side. For several channels the
 * map is the per-pixel mean of the per-channel maps and the mean is the mean of per-channel means
 * (identical, the crop being the same), as skimage does with channel_axis.
 *
 * This runs once per frame on the hot path, so it is written for speed: the 2-D Gaussian is
 * separable (two 1-D passes of 11 taps instead of 121), the symmetric kernel is folded (6
 * multiplies per output instead of 11), the five filtered quantities (x, y, x², y², xy) are
 * produced in one sweep, the vertical pass is fused with the SSIM formula, the 11-tap case is
 * unrolled (src/score/ssimKernels.ts), and every buffer is allocated once per image size by
 * `SsimComputer`. Intermediates are float64: the
 * variances are differences of nearly equal numbers (E[x²] − E[x]²), where float32 would cost
 * ~1e-5 of SSIM in flat regions and break agreement with the float64 reference.
 */

import { colsPass, colsPass5, rowsPass, rowsPass5, type Out, type Scratch } from './ssimKernels.js';

export interface SsimOptions {
  /** Gaussian σ in pixels (default 1.5). */
  sigma?: number;
  /**
   * Window size (odd): the filter length and twice the crop plus one, as in training/ssim.py.
   * Default 2·int(3.5σ + 0.5) + 1, skimage's choice (11 at σ 1.5); only with that value is the
   * result skimage's (skimage's win_size changes the crop but never the filter).
   */
  win?: number;
  k1?: number;
  k2?: number;
  /** Dynamic range of the inputs (1 for images in [0,1]). */
  dataRange?: number;
}

export interface SsimResult {
  /** Mean SSIM over the map cropped by (win-1)/2 px per side. */
  mean: number;
  /** Full-size SSIM map, H×W row-major, averaged over channels. */
  map: Float32Array;
}

/** skimage/scipy window radius for a Gaussian of σ truncated at 3.5σ. */
export function defaultWin(sigma: number): number {
  return 2 * Math.trunc(3.5 * sigma + 0.5) + 1;
}

/** Normalised 1-D Gaussian taps of length 2r+1, as scipy.ndimage builds them (float64). */
export function gaussianTaps(sigma: number, radius: number): Float64Array {
  const taps = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    taps[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}

/**
 * scipy.ndimage 'reflect' index for position p of an axis of length n: reflection about the
 * edge between pixels (the edge pixel is repeated), periodic with period 2n, so it stays right
 * even when the radius exceeds the axis length.
 */
export function reflectIndex(p: number, n: number): number {
  const period = 2 * n;
  let m = p % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

/**
 * SSIM for images of one size. Construct once per W×H×C and reuse: `compute()` allocates
 * nothing. The returned `map` is an internal buffer overwritten by the next call — copy it
 * (`map.slice()`) to keep or transfer it.
 */
export class SsimComputer {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly win: number;
  /** Crop per side for the mean: (win-1)/2. */
  readonly pad: number;
  private readonly s: Scratch;
  private readonly out: Out;
  /** Channel sum of the SSIM map in float64 (only when C > 1). */
  private readonly acc: Float64Array;
  private readonly map: Float32Array;
  private readonly rows: typeof rowsPass;
  private readonly cols: typeof colsPass;

  constructor(width: number, height: number, channels = 1, opts: SsimOptions = {}) {
    const sigma = opts.sigma ?? 1.5;
    const win = opts.win ?? defaultWin(sigma);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`SSIM image size must be positive integers, got ${width}×${height}`);
    }
    if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`SSIM channels must be ≥ 1, got ${channels}`);
    if (!(sigma > 0)) throw new RangeError(`SSIM sigma must be > 0, got ${sigma}`);
    if (!Number.isInteger(win) || win < 1 || win % 2 !== 1) throw new RangeError(`SSIM window must be odd, got ${win}`);
    // skimage refuses images smaller than the window; so do we (the crop would be empty).
    if (win > width || win > height) throw new RangeError(`SSIM window ${win} exceeds the ${width}×${height} image`);
    this.width = width;
    this.height = height;
    this.channels = channels;
    this.win = win;
    const r = (this.pad = (win - 1) / 2);
    const colIdx = new Int32Array(width + 2 * r);
    for (let p = 0; p < colIdx.length; p++) colIdx[p] = reflectIndex(p - r, width);
    const rowOff = new Int32Array(height + 2 * r);
    for (let p = 0; p < rowOff.length; p++) rowOff[p] = reflectIndex(p - r, height) * width;
    const pw = width + 2 * r;
    const n = width * height;
    const row = () => new Float64Array(pw);
    const plane = () => new Float64Array(n);
    this.s = {
      k: gaussianTaps(sigma, r).slice(r), r, colIdx, rowOff,
      px: row(), py: row(), pxx: row(), pyy: row(), pxy: row(),
      hx: plane(), hy: plane(), hxx: plane(), hyy: plane(), hxy: plane(),
    };
    this.acc = new Float64Array(channels > 1 ? n : 0);
    this.map = new Float32Array(n);
    const range = opts.dataRange ?? 1;
    this.out = {
      c1: ((opts.k1 ?? 0.01) * range) ** 2,
      c2: ((opts.k2 ?? 0.03) * range) ** 2,
      pad: r,
      map: channels > 1 ? null : this.map,
      acc: channels > 1 ? this.acc : null,
    };
    const unrolled = r === 5;
    this.rows = unrolled ? rowsPass5 : rowsPass;
    this.cols = unrolled ? colsPass5 : colsPass;
  }

  /**
   * SSIM of x against y, both planar (C planes of H×W, row-major) with values in
   * [0, dataRange]. Symmetric in x and y.
   */
  compute(x: Float32Array | Float64Array, y: Float32Array | Float64Array): SsimResult {
    const { width: W, height: H, channels: C } = this;
    const n = W * H;
    if (x.length !== n * C || y.length !== n * C) {
      throw new RangeError(`SSIM expects ${C}×${H}×${W} = ${n * C} values, got ${x.length} and ${y.length}`);
    }
    if (C > 1) this.acc.fill(0);
    let sum = 0;
    for (let c = 0; c < C; c++) {
      this.rows(this.s, x, y, c * n, W, H);
      sum += this.cols(this.s, W, H, this.out);
    }
    if (C > 1) {
      const inv = 1 / C;
      for (let i = 0; i < n; i++) this.map[i] = this.acc[i] * inv;
    }
    // The mean comes from the float64 values, before the map is rounded to float32.
    const count = (W - 2 * this.pad) * (H - 2 * this.pad) * C;
    return { mean: sum / count, map: this.map };
  }
}

/** One-shot SSIM (allocates a computer; use `SsimComputer` on hot paths). */
export function ssim(x: Float32Array | Float64Array, y: Float32Array | Float64Array, width: number, height: number, channels = 1, opts: SsimOptions = {}): SsimResult {
  const res = new SsimComputer(width, height, channels, opts).compute(x, y);
  return { mean: res.mean, map: res.map };
}
