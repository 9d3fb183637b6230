/**
 * Pure pixel work for reject evidence images: the frame | the frame with an SSIM heatmap.
 * Kept apart from sharp and the file system so it can be table-tested.
 */
import type { RejectImageInput } from './types.js';

export interface RgbImage {
  /** 8-bit RGB interleaved. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Gap between the two panels, in output pixels; mid-dark grey so neither panel bleeds into the other. */
export const PANEL_GAP = 4;
const GAP_VALUE = 48;

/** Overlay opacity for one SSIM value: 1 − ssim clipped to [0, 1]. Unknown (NaN) counts as fully different. */
export function heatAlpha(ssim: number): number {
  if (Number.isNaN(ssim)) return 1;
  const a = 1 - ssim;
  return a < 0 ? 0 : a > 1 ? 1 : a;
}

/**
 * Integer nearest-neighbour scale so a model-sized frame (e.g. 128 px) is legible:
 * smallest side-by-side panel edge ≥ 256 px, at most ×4, never shrink.
 */
export function upscaleFactor(width: number, height: number): number {
  const longest = Math.max(width, height);
  if (longest <= 0) return 1;
  return Math.max(1, Math.min(4, Math.floor(256 / longest)));
}

/** Grayscale or RGB HWC → RGB HWC. */
export function toRgb(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  const n = width * height;
  if (pixels.length < n * channels) {
    throw new RangeError(`pixels has ${pixels.length} bytes, expected ${n * channels} for ${width}×${height}×${channels}`);
  }
  if (channels === 3) return pixels.subarray(0, n * 3);
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = pixels[i];
    out[i * 3] = v;
    out[i * 3 + 1] = v;
    out[i * 3 + 2] = v;
  }
  return out;
}

/**
 * Red alpha blend of an SSIM map over an RGB frame. The map may be a different size from the
 * frame (valid-window SSIM is smaller): it is sampled nearest-neighbour.
 */
export function overlayHeat(rgb: Uint8Array, width: number, height: number, map: Float32Array, mapWidth = width, mapHeight = height): Uint8Array {
  if (map.length < mapWidth * mapHeight || mapWidth <= 0 || mapHeight <= 0) {
    throw new RangeError(`SSIM map has ${map.length} values, expected ${mapWidth}×${mapHeight}`);
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const my = Math.min(mapHeight - 1, Math.floor((y * mapHeight) / height));
    for (let x = 0; x < width; x++) {
      const mx = Math.min(mapWidth - 1, Math.floor((x * mapWidth) / width));
      const a = heatAlpha(map[my * mapWidth + mx]);
      const i = (y * width + x) * 3;
      out[i] = Math.round(rgb[i] * (1 - a) + 255 * a);
      out[i + 1] = Math.round(rgb[i + 1] * (1 - a));
      out[i + 2] = Math.round(rgb[i + 2] * (1 - a));
    }
  }
  return out;
}

/** Copy `src` (w×h RGB) into `dst` at (ox, 0), each pixel repeated `scale`×`scale`. */
function blitScaled(dst: Uint8Array, dstWidth: number, src: Uint8Array, w: number, h: number, scale: number, ox: number): void {
  for (let y = 0; y < h * scale; y++) {
    const sy = Math.floor(y / scale);
    for (let x = 0; x < w * scale; x++) {
      const s = (sy * w + Math.floor(x / scale)) * 3;
      const d = (y * dstWidth + ox + x) * 3;
      dst[d] = src[s];
      dst[d + 1] = src[s + 1];
      dst[d + 2] = src[s + 2];
    }
  }
}

/** The pixel part of a reject image (the store's input type, without seq/ts/verdict). */
export type SideBySideInput = Pick<RejectImageInput, 'pixels' | 'width' | 'height' | 'channels' | 'map' | 'mapWidth' | 'mapHeight'>;

/** frame | gap | frame+heatmap, upscaled by `upscaleFactor`. Without a map the right panel is the plain frame. */
export function sideBySide(input: SideBySideInput): RgbImage {
  const { width, height } = input;
  const rgb = toRgb(input.pixels, width, height, input.channels);
  const heat = input.map ? overlayHeat(rgb, width, height, input.map, input.mapWidth ?? width, input.mapHeight ?? height) : rgb;
  const scale = upscaleFactor(width, height);
  const panelW = width * scale;
  const outW = panelW * 2 + PANEL_GAP;
  const outH = height * scale;
  const data = new Uint8Array(outW * outH * 3).fill(GAP_VALUE);
  blitScaled(data, outW, rgb, width, height, scale, 0);
  blitScaled(data, outW, heat, width, height, scale, panelW + PANEL_GAP);
  return { data, width: outW, height: outH };
}
