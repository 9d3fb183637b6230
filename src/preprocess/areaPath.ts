import turbo from '@julusian/jpeg-turbo';
import { InspectdError } from '../platform/index.js';
import { crop, orient, resizeArea, toChannels, type Image8 } from './area.js';
import { isJpeg, readJpegHeader } from './jpegHeader.js';
import { MAX_INPUT_PIXELS, decodeError } from './decodeErrors.js';
import { toPlanarFloat } from './planar.js';
import type { PreprocessOptions, PreprocessSpec, Preprocessed } from './types.js';

/**
 * The 'area' pixel path (model cards with `preprocess.kernel: "area"`): JPEG and MJPEG frames
 * are decoded by libjpeg-turbo straight to the channels the model wants (a grey decode skips
 * colour conversion and chroma upsampling), every other format by sharp; then EXIF
 * orientation, ROI, and an exact area resize, all in src/preprocess/area.ts. `inspectd
 * prep-dataset` runs this same function, so training sees the field's pixels bit for bit.
 */
export async function preprocessArea(data: Buffer, spec: PreprocessSpec, opts: PreprocessOptions = {}): Promise<Preprocessed> {
  if (data.length === 0) throw new InspectdError('FRAME_EMPTY', 'frame has zero bytes');
  let img = isJpeg(data) ? await decodeJpeg(data, spec.channels, opts.sync === true) : await decodeOther(data);
  img = toChannels(img, spec.channels);
  const srcW = img.width;
  const srcH = img.height;
  if (spec.roi) {
    const r = spec.roi;
    if (r.left + r.width > srcW || r.top + r.height > srcH) {
      throw new InspectdError('FRAME_ROI', `ROI ${r.width}×${r.height}+${r.left}+${r.top} does not fit a ${srcW}×${srcH} frame`, { roi: r, width: srcW, height: srcH });
    }
    img = crop(img, r);
  }
  const pixels = resizeArea(img.data, img.width, img.height, spec.channels, spec.width, spec.height);
  return { tensor: { data: toPlanarFloat(pixels, spec), width: spec.width, height: spec.height, channels: spec.channels }, pixels, sourceWidth: spec.roi ? srcW : 0, sourceHeight: spec.roi ? srcH : 0 };
}

async function decodeJpeg(data: Buffer, channels: 1 | 3, sync: boolean): Promise<Image8> {
  const h = readJpegHeader(data);
  if (!h) throw new InspectdError('FRAME_DECODE', 'cannot decode image: JPEG without a frame header');
  if (h.width * h.height > MAX_INPUT_PIXELS) {
    throw new InspectdError('FRAME_TOO_LARGE', `image is ${h.width}×${h.height}, above the ${MAX_INPUT_PIXELS} pixel limit`, { width: h.width, height: h.height });
  }
  let r: { data: Buffer; width: number; height: number };
  try {
    const format = channels === 1 ? turbo.FORMAT_GRAY : turbo.FORMAT_RGB;
    // In a model worker the thread is ours: decode on it instead of hopping to libuv's pool.
    r = sync ? turbo.decompressSync(data, decodeBuffer(h.width * h.height * channels), { format }) : await turbo.decompress(data, { format });
  } catch (err) {
    // libjpeg-turbo reports a truncated or corrupt stream as a warning whose text is often "No error".
    const msg = (err as Error).message;
    throw new InspectdError('FRAME_DECODE', `cannot decode JPEG: ${/^no error$/i.test(msg) ? 'corrupt or truncated data' : msg}`, {}, { cause: err });
  }
  const img = { data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.width * r.height * channels), width: r.width, height: r.height, channels };
  return orient(img, h.orientation);
}

/**
 * One decode buffer per thread, reused frame after frame (sync decodes only: an async one could
 * share it with the next frame's). Safe because every step after the decode (orient, crop,
 * resizeArea) writes new arrays, so nothing returned points into it. A camera frame of 2-12 MB
 * then costs no allocation and no garbage; frames above the cap get a buffer of their own.
 */
let decodeScratch = Buffer.alloc(0);
const REUSE_MAX_BYTES = 16 * 1024 * 1024;
function decodeBuffer(bytes: number): Buffer {
  if (bytes > REUSE_MAX_BYTES) return Buffer.allocUnsafeSlow(bytes);
  if (decodeScratch.length < bytes) decodeScratch = Buffer.allocUnsafeSlow(bytes);
  return decodeScratch;
}

async function decodeOther(data: Buffer): Promise<Image8> {
  // libvips loads on the first frame that is not a JPEG: a JPEG or MJPEG camera never needs it.
  const { sharp } = await import('./sharp.js');
  try {
    const { data: px, info } = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' }).autoOrient().raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(px.buffer, px.byteOffset, px.length), width: info.width, height: info.height, channels: info.channels };
  } catch (err) {
    throw decodeError(err, 'cannot decode image');
  }
}
