/** The capture stage's door: frame sources (replay, ffmpeg, libcamera) and the photo-eye trigger. */
export { createFrameSource } from './frameSources.js';
export { readFrameFile } from './frameFile.js';
export type { CaptureSource } from './frameSources.js';
