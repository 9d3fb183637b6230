import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { InspectdError } from '../platform/index.js';
import type { PreprocessSpec, Preprocessed } from './types.js';
import { MAX_INPUT_PIXELS, decodeError } from './decodeErrors.js';
import { toPlanarFloat } from './planar.js';

export { MAX_INPUT_PIXELS, decodeError } from './decodeErrors.js';
export { toPlanarFloat } from './planar.js';

// libvips caches decoded images by default; a camera never repeats a frame, so the cache only
// costs memory. One thread per op: frames are small and the pipeline overlaps frames instead.
sharp.cache(false);

/** sharp as configured here, for the other users of libvips (the area path's non-JPEG frames, saved images). */
export { sharp };

/**
 * Decode, orient (EXIF), crop, colour-convert and resize one encoded image with sharp, then
 * normalise to a planar float tensor. Training prepares its data through this same function
 * (`inspectd prep-dataset`), so the model sees identical pixels in the field.
 */
export async function preprocessImage(data: Buffer, spec: PreprocessSpec): Promise<Preprocessed> {
  if (data.length === 0) throw new InspectdError('FRAME_EMPTY', 'frame has zero bytes');
  let img = sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).autoOrient();
  // The header is read separately only when an ROI must be checked against the frame size: on
  // the hot path it is a second trip through libuv's pool (~10 % of preprocessing, measured).
  let srcW = 0;
  let srcH = 0;
  if (spec.roi) {
    let meta: Metadata;
    try {
      meta = await img.metadata();
    } catch (err) {
      throw decodeError(err, 'cannot read image');
    }
    const oriented = (meta.orientation ?? 1) >= 5;
    srcW = (oriented ? meta.height : meta.width) ?? 0;
    srcH = (oriented ? meta.width : meta.height) ?? 0;
    const r = spec.roi;
    if (r.left + r.width > srcW || r.top + r.height > srcH) {
      throw new InspectdError('FRAME_ROI', `ROI ${r.width}×${r.height}+${r.left}+${r.top} does not fit a ${srcW}×${srcH} frame`, { roi: r, width: srcW, height: srcH });
    }
    img = img.extract(r);
  }
  img = spec.channels === 1 ? img.grayscale() : img.toColourspace('srgb').removeAlpha();
  if (spec.kernel === 'area') throw new InspectdError('MODEL_CARD_INVALID', 'the sharp path has no area kernel: use preprocess/index.ts');
  img = img.resize(spec.width, spec.height, { fit: 'fill', kernel: spec.kernel });
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw decodeError(err, 'cannot decode image');
  }
  // .grayscale() on an image with alpha can still yield 2 channels; keep only what the model wants.
  const pixels = pickChannels(raw.data, raw.info.channels, spec.channels);
  return { tensor: { data: toPlanarFloat(pixels, spec), width: spec.width, height: spec.height, channels: spec.channels }, pixels, sourceWidth: srcW, sourceHeight: srcH };
}

function pickChannels(src: Buffer, have: number, want: number): Uint8Array {
  if (have === want) return new Uint8Array(src.buffer, src.byteOffset, src.length);
  const n = src.length / have;
  const out = new Uint8Array(n * want);
  for (let i = 0; i < n; i++) for (let c = 0; c < want; c++) out[i * want + c] = src[i * have + Math.min(c, have - 1)];
  return out;
}
