/**
 * The preprocess stage's door: one encoded frame → the model's input tensor and its 8-bit pixels,
 * exactly as the model card's `preprocess` says. Cards with kernel "area" take the libjpeg-turbo
 * + area path (src/preprocess/areaPath.ts); older cards keep the sharp path they were trained on.
 * Both decoders are native: each loads on its first use, not when this door is imported, so the
 * daemon's main thread (frames are decoded in the model workers) never loads either.
 */
import type { PreprocessOptions, PreprocessSpec, Preprocessed } from './types.js';

export type { PreprocessOptions, PreprocessSpec, Preprocessed, Tensor } from './types.js';
export { MAX_INPUT_PIXELS } from './decodeErrors.js';
export { toPlanarFloat } from './planar.js';

type AreaPath = typeof import('./areaPath.js');
type SharpPath = typeof import('./sharp.js');
let areaPath: AreaPath | undefined;
let sharpPath: SharpPath | undefined;
const loadArea = () => import('./areaPath.js').then((m) => (areaPath = m));
const loadSharpPath = () => import('./sharp.js').then((m) => (sharpPath = m));

export function preprocessImage(data: Buffer, spec: PreprocessSpec, opts: PreprocessOptions = {}): Promise<Preprocessed> {
  // Once loaded, called directly: a frame costs no extra promise turn.
  if (spec.kernel === 'area') return areaPath ? areaPath.preprocessArea(data, spec, opts) : loadArea().then((m) => m.preprocessArea(data, spec, opts));
  return sharpPath ? sharpPath.preprocessImage(data, spec) : loadSharpPath().then((m) => m.preprocessImage(data, spec));
}

/** Load the decoder a kernel's path needs now (a model worker does, before it reports warm). */
export async function loadPixelPath(kernel: PreprocessSpec['kernel']): Promise<void> {
  await (kernel === 'area' ? loadArea() : loadSharpPath());
}

/** sharp with libvips' cache off (src/preprocess/sharp.ts), loaded on the first call. */
export async function loadSharp(): Promise<SharpPath['sharp']> {
  return (sharpPath ?? (await loadSharpPath())).sharp;
}
