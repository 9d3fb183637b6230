/**
 * The preprocess stage's door: one encoded frame → the model's input tensor and its 8-bit pixels,
 * exactly as the model card's `preprocess` says. Cards with kernel "area" take the libjpeg-turbo
 * + area path (src/preprocess/areaPath.ts); older cards keep the sharp path they were trained on.
 */
import { preprocessArea } from './areaPath.js';
import { preprocessImage as preprocessSharp } from './sharp.js';
import type { PreprocessOptions, PreprocessSpec, Preprocessed } from './types.js';

export type { PreprocessOptions, PreprocessSpec, Preprocessed, Tensor } from './types.js';
export { toPlanarFloat, MAX_INPUT_PIXELS } from './sharp.js';

export function preprocessImage(data: Buffer, spec: PreprocessSpec, opts: PreprocessOptions = {}): Promise<Preprocessed> {
  return spec.kernel === 'area' ? preprocessArea(data, spec, opts) : preprocessSharp(data, spec);
}
