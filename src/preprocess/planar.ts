import type { PreprocessSpec } from './types.js';

/** HWC uint8 → CHW float32 with (x/255 - mean)/std. Pure; exported for tests. */
export function toPlanarFloat(pixels: Uint8Array, spec: Pick<PreprocessSpec, 'width' | 'height' | 'channels' | 'mean' | 'std'>): Float32Array {
  const { width, height, channels } = spec;
  const plane = width * height;
  const out = new Float32Array(plane * channels);
  for (let c = 0; c < channels; c++) {
    const mean = spec.mean[c] ?? spec.mean[0] ?? 0;
    const inv = 1 / (spec.std[c] ?? spec.std[0] ?? 1);
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (pixels[i * channels + c] / 255 - mean) * inv;
  }
  return out;
}
