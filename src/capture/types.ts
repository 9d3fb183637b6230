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
  error?: { code: string; message: string };
}

export interface SourceStats {
  captured: number;
  /** Frames dropped by the bounded queue (oldest first) because the pipeline was behind. */
  dropped: number;
  /** Restarts of the underlying capture process (ffmpeg / rpicam-vid). */
  restarts: number;
}

/**
 * A camera. Live sources push into a bounded drop-oldest queue internally; replay with fps 0
 * is back-pressured by the consumer (so eval and bench see every frame).
 * The iterable ends when a finite source is exhausted or the signal aborts.
 */
export interface FrameSource {
  readonly kind: string;
  frames(signal: AbortSignal): AsyncIterable<Frame>;
  stats(): SourceStats;
}

/** Raised by sources for faults the daemon must publish (camera died, stalled, restarting). */
export type CaptureFaultListener = (fault: { code: string; message: string; fatal: boolean }) => void;
