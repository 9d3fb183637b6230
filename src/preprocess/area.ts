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
      n++;
    }
    count[d] = n;
  }
  return { start, count, weights, stride };
}

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

/** Area resize of an HWC u8 image to dw×dh (rounded half up to u8). */
export function resizeArea(src: Uint8Array, sw: number, sh: number, ch: number, dw: number, dh: number): Uint8Array {
  if (src.length < sw * sh * ch) throw new RangeError(`resizeArea: ${src.length} bytes for ${sw}×${sh}×${ch}`);
  const out = new Uint8Array(dw * dh * ch);
  if (sw === dw && sh === dh) {
    out.set(src.subarray(0, out.length));
    return out;
  }
  const tx = cachedTaps(sw, dw);
  const ty = cachedTaps(sh, dh);
  // Horizontal pass first: the source (large) is read once, the temp is sh × dw.
  const n = sh * dw * ch;
  if (scratch.length < n) scratch = new Float32Array(n);
  const tmp = scratch;
  for (let y = 0; y < sh; y++) {
    const row = y * sw * ch;
    const trow = y * dw * ch;
    for (let x = 0; x < dw; x++) {
      const i0 = tx.start[x];
      const cnt = tx.count[x];
      const wo = x * tx.stride;
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let k = 0; k < cnt; k++) acc += tx.weights[wo + k] * src[row + (i0 + k) * ch + c];
        tmp[trow + x * ch + c] = acc;
      }
    }
  }
  const rowLen = dw * ch;
  for (let y = 0; y < dh; y++) {
    const j0 = ty.start[y];
    const cnt = ty.count[y];
    const wo = y * ty.stride;
    const orow = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let k = 0; k < cnt; k++) acc += ty.weights[wo + k] * tmp[(j0 + k) * rowLen + i];
      const v = Math.floor(acc + 0.5);
      out[orow + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
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
