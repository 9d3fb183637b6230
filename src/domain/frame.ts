import type { ErrorCode } from '../platform/index.js';

/** One frame as it left the camera (or the replay folder), still encoded. */
export interface Frame {
  /** Monotonic per-source sequence number, starting at 1. In trigger mode: the trigger's number. */
  seq: number;
  /** Monotonic capture time in ms (performance.now() clock). Reject pulses are scheduled from this. */
  capturedAt: number;
  /** Wall-clock capture time (ms since epoch) for logs, DB rows and MQTT. */
  wallTs: number;
  /** Encoded image bytes (JPEG, PNG, … anything sharp reads). */
  data: Buffer;
  /** Where it came from: file name for replay, device/URL for cameras. */
  source: string;
  /** Set when the source could not read this frame (FRAME_* code): the pipeline records it as verdict `error`. */
  error?: { code: ErrorCode; message: string };
}
