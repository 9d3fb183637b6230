/**
 * Pure pixel operations of the 'area' pixel path: exact box (area) resampling, EXIF orientation,
 * ROI crop and BT.601 luma. All on 8-bit interleaved HWC buffers, so the same code runs in the
 * daemon, in `inspectd prep-dataset` (training data) and in tests: one definition of the pixels.
 */

/** Per output index: first source index and the weights of the source pixels it covers (sum 1). */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  stride: number;
  /**
   * Whether every output's inner taps (all but its first and last) carry one weight and every
   * weight is ≥ 2^-20: then a row sum of integer pixels times that weight gives the very same
   * double as tap-by-tap accumulation (see horizontalPass), at a fraction of the cost.
   */
  summable: boolean;
}

/**
 * Box-filter taps: output pixel d covers source interval [d·s, (d+1)·s), s = src/dst; each source
 * pixel is weighted by its overlap. Downscaling this is the area average (anti-aliased, what
 * OpenCV calls INTER_AREA); upscaling it degenerates to nearest with blended seams.
 */
function taps(src: number, dst: number): Taps {
  const s = src / dst;
  const stride = Math.ceil(s) + 1;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float32Array(dst * stride);
  let summable = true;
  for (let d = 0; d < dst; d++) {
    const a = d * s;
    const b = Math.min(src, (d + 1) * s);
    const i0 = Math.floor(a);
    let n = 0;
    for (let i = i0; i < b && n < stride; i++) {
      const w = Math.min(b, i + 1) - Math.max(a, i);
      if (w <= 1e-9) continue;
      if (n === 0) start[d] = i;
      weights[d * stride + n] = w / (b - a);
      if (weights[d * stride + n] < MIN_SUMMABLE_WEIGHT) summable = false;
      n++;
    }
    count[d] = n;
    for (let k = 2; k < n - 1; k++) if (weights[d * stride + k] !== weights[d * stride + 1]) summable = false;
  }
  return { start, count, weights, stride, summable };
}

const MIN_SUMMABLE_WEIGHT = 2 ** -20;

const tapCache = new Map<string, Taps>();
function cachedTaps(src: number, dst: number): Taps {
  const k = `${src}>${dst}`;
  let t = tapCache.get(k);
  if (!t) {
    if (tapCache.size > 64) tapCache.clear();
    t = taps(src, dst);
    tapCache.set(k, t);
  }
  return t;
}

let scratch = new Float32Array(0);
let rowAcc = new Float64Array(0);

/** Area resize of an HWC u8 image to dw×dh (rounded half up to u8). */
export function resizeArea(src: Uint8Array, sw: number, sh: number, ch: number, dw: number, dh: number): Uint8Array {
  if (src.length < sw * sh * ch) throw new RangeError(`resizeArea: ${src.length} bytes for ${sw}×${sh}×${ch}`);
  const out = new Uint8Array(dw * dh * ch);
  if (sw === dw && sh === dh) {
    out.set(src.subarray(0, out.length));
    return out;
  }
  // Horizontal pass first: the source (large) is read once, the temp is sh × dw.
  const n = sh * dw * ch;
  if (scratch.length < n) scratch = new Float32Array(n);
  horizontalPass(src, sw, sh, ch, dw, cachedTaps(sw, dw), scratch);
  verticalPass(scratch, dw * ch, dh, cachedTaps(sh, dh), out);
  return out;
}

/**
 * tmp[y][x] = Σ_k w_k · src[y][start+k], stored as float32. Each product of a float32 weight and
 * an 8-bit pixel is exact in a double, and so is every partial sum: with every weight ≥ 2^-20 all
 * terms are multiples of 2^-43 and the sum stays below 256, a span of 51 bits (a double holds 53).
 * An exact sum does not depend on order or grouping, so when the inner taps share one weight,
 * w_first·p_first + w_inner·Σ p_inner + w_last·p_last (integer adds, three multiplies) is bit
 * for bit the tap-by-tap sum — 1.3-2× faster on camera frames (`npm run bench`, preprocess).
 */
function horizontalPass(src: Uint8Array, sw: number, sh: number, ch: number, dw: number, t: Taps, tmp: Float32Array): void {
  if (t.summable && ch === 1) return horizontalGrey(src, sw, sh, dw, t, tmp);
  const { start, count, weights, stride, summable } = t;
  for (let y = 0; y < sh; y++) {
    const row = y * sw * ch;
    const trow = y * dw * ch;
    for (let x = 0; x < dw; x++) {
      const i0 = start[x];
      const cnt = count[x];
      const wo = x * stride;
      for (let c = 0; c < ch; c++) {
        const p = row + i0 * ch + c;
        let acc: number;
        if (summable && cnt > 2) {
          let inner = 0;
          const last = p + (cnt - 1) * ch;
          for (let q = p + ch; q < last; q += ch) inner += src[q];
          acc = weights[wo] * src[p] + weights[wo + 1] * inner + weights[wo + cnt - 1] * src[last];
        } else {
          acc = 0;
          for (let k = 0; k < cnt; k++) acc += weights[wo + k] * src[p + k * ch];
        }
        tmp[trow + x * ch + c] = acc;
      }
    }
  }
}

/** horizontalPass for one channel (grey models, the common case): the same sums, tighter loops. */
function horizontalGrey(src: Uint8Array, sw: number, sh: number, dw: number, t: Taps, tmp: Float32Array): void {
  const { start, count, weights, stride } = t;
  for (let y = 0; y < sh; y++) {
    const row = y * sw;
    const trow = y * dw;
    for (let x = 0; x < dw; x++) {
      const p = row + start[x];
      const cnt = count[x];
      const wo = x * stride;
      if (cnt > 2) {
        const last = p + cnt - 1;
        let inner = 0;
        for (let q = p + 1; q < last; q++) inner += src[q];
        tmp[trow + x] = weights[wo] * src[p] + weights[wo + 1] * inner + weights[wo + cnt - 1] * src[last];
      } else {
        tmp[trow + x] = cnt === 2 ? weights[wo] * src[p] + weights[wo + 1] * src[p + 1] : weights[wo] * src[p];
      }
    }
  }
}

/**
 * out[y][i] = round(Σ_k w_k · tmp[start+k][i]). These sums are not exact (float32 × float32), so
 * the order of the additions is kept (k ascending, from 0); only the loops are swapped so the
 * temp is read row by row instead of down its columns.
 */
function verticalPass(tmp: Float32Array, rowLen: number, dh: number, t: Taps, out: Uint8Array): void {
  const { start, count, weights, stride } = t;
  if (rowAcc.length < rowLen) rowAcc = new Float64Array(rowLen);
  const acc = rowAcc;
  for (let y = 0; y < dh; y++) {
    const j0 = start[y];
    const cnt = count[y];
    const wo = y * stride;
    acc.fill(0, 0, rowLen);
    for (let k = 0; k < cnt; k++) {
      const w = weights[wo + k];
      const trow = (j0 + k) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += w * tmp[trow + i];
    }
    const orow = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const v = Math.floor(acc[i] + 0.5);
      out[orow + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

export interface Image8 {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Apply an EXIF orientation (1..8) so the image is upright, as a viewer shows it. 1 (or an
 * unknown value) is returned as is. 5..8 swap width and height.
 */
export function orient(img: Image8, orientation: number): Image8 {
  if (!(orientation >= 2 && orientation <= 8)) return img;
  const { data, width: w, height: h, channels: c } = img;
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(W * H * c);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // (sx, sy): the stored pixel that lands at displayed (x, y).
      let sx: number, sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      const so = (sy * w + sx) * c;
      const o = (y * W + x) * c;
      for (let k = 0; k < c; k++) out[o + k] = data[so + k];
    }
  }
  return { data: out, width: W, height: H, channels: c };
}

/** Crop a region (already checked to fit). */
export function crop(img: Image8, r: { left: number; top: number; width: number; height: number }): Image8 {
  const { data, width, channels: c } = img;
  const out = new Uint8Array(r.width * r.height * c);
  for (let y = 0; y < r.height; y++) {
    const s = ((r.top + y) * width + r.left) * c;
    out.set(data.subarray(s, s + r.width * c), y * r.width * c);
  }
  return { data: out, width: r.width, height: r.height, channels: c };
}

/**
 * RGB(A) or grey+alpha → the channels the model wants. Grey from colour is BT.601 luma
 * (0.299 R + 0.587 G + 0.114 B), the Y a JPEG decoder returns for a grey decode, so a PNG and
 * a JPEG of the same scene give the same grey. Alpha is dropped.
 */
export function toChannels(img: Image8, want: 1 | 3): Image8 {
  const { data, width, height, channels: have } = img;
  if (have === want) return img;
  const n = width * height;
  const out = new Uint8Array(n * want);
  for (let i = 0; i < n; i++) {
    const o = i * have;
    if (want === 1) {
      out[i] = have >= 3 ? Math.floor(0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2] + 0.5) : data[o];
    } else {
      const g = have >= 3;
      out[i * 3] = data[o];
      out[i * 3 + 1] = g ? data[o + 1] : data[o];
      out[i * 3 + 2] = g ? data[o + 2] : data[o];
    }
  }
  return { data: out, width, height, channels: want };
}
