import { InspectdError } from '../platform/index.js';

/**
 * Frames above this many pixels are refused before decoding: a 10000×10000 upload would
 * otherwise take seconds and hundreds of MB on a Pi. 40 MP covers every industrial camera
 * we expect (a 12 MP Pi HQ camera is 4056×3040).
 */
export const MAX_INPUT_PIXELS = 40_000_000;

/**
 * sharp enforces limitInputPixels itself (a 10000×10000 frame fails in the decoder, found by
 * test/reliability/badFrames), so map that message to the specific code operators filter on;
 * anything else is an undecodable frame.
 */
export function decodeError(err: unknown, what: string): InspectdError {
  const msg = (err as Error).message;
  if (/exceeds pixel limit/i.test(msg)) return new InspectdError('FRAME_TOO_LARGE', `image is above the ${MAX_INPUT_PIXELS} pixel limit (${msg})`, {}, { cause: err });
  return new InspectdError('FRAME_DECODE', `${what}: ${msg}`, {}, { cause: err });
}
