import type { Frame } from '../domain/index.js';
import type { FaultListener } from '../domain/index.js';

export type { Frame } from '../domain/index.js';

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
export type CaptureFaultListener = FaultListener;
