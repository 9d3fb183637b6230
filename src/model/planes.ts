/**
 * Undo the card's normalisation: x01 = x·std + mean per channel, into `out`. The score compares
 * the reconstruction (sigmoid, [0,1]) with the frame in [0,1] — i.e. u8/255 — and deriving it
 * from the tensor inside the worker avoids sending a second copy of every frame. The float
 * round trip differs from u8/255 by ~1e-7, far below anything SSIM resolves.
 */
export function unitPlanes(tensor: Float32Array, plane: number, channels: number, mean: readonly number[], std: readonly number[], out: Float32Array): Float32Array {
  for (let c = 0; c < channels; c++) {
    const m = mean[c] ?? mean[0];
    const s = std[c] ?? std[0];
    const o = c * plane;
    for (let i = 0; i < plane; i++) out[o + i] = tensor[o + i] * s + m;
  }
  return out;
}
