import type { InspectdError } from '../platform/index.js';
import type { PreprocessSpec, Tensor } from '../preprocess/index.js';
import type { ModelCard } from './card.js';
import type { DecodedFrame, TestHook } from './protocol.js';

/** The model stage's public face: what src/model/client.ts `openInspector` returns and takes. */

export interface OpenOptions {
  /** Worker threads, each with its own session (default 1). */
  workers?: number;
  /**
   * Requests handed to one worker at a time (default 2): while it answers one, the next is
   * already in its port, so the session never waits for this thread. More only adds latency.
   */
  perWorker?: number;
  /** onnxruntime intra-op threads per worker (default 1: parallelism comes from several workers). */
  threadsPerWorker?: number;
  /** An inference that takes longer is abandoned: MODEL_TIMEOUT, worker replaced (default 2000). */
  timeoutMs?: number;
  /** Warm-up inferences per worker before it is ready (default 3). */
  warmup?: number;
  /** Limit for a worker to open its session and warm up (default 30000). */
  startTimeoutMs?: number;
  /** Honour `InspectOptions.testHook` (tests only). */
  testHooks?: boolean;
  /** Told about every worker replacement (for logs); must not throw. */
  onRestart?: (e: { worker: number; reason: 'timeout' | 'crash'; error: InspectdError }) => void;
}

export interface InspectOptions {
  /** Return the SSIM map (H×W, channel mean) — for heatmaps of rejected frames. */
  wantMap?: boolean;
  /** With wantMap: return the map only when the score is below this (e.g. the threshold). */
  mapIfScoreBelow?: number;
  /**
   * inspectEncoded: hand the bytes' buffer to the worker instead of a copy (it is detached here:
   * length 0 on return). Only a view that is the whole of its ArrayBuffer is transferred; a slice
   * of a larger or pooled buffer is copied anyway.
   */
  transfer?: boolean;
  /** inspectEncoded: crop this region (source pixels, after EXIF orientation) before the resize, as `camera.roi` says. */
  roi?: PreprocessSpec['roi'];
  /** Tests only (needs `testHooks: true`): stall or crash the worker handling this request. */
  testHook?: TestHook;
}

export interface InspectOutcome {
  /** The card's score rule; higher = more like a good part. */
  score: number;
  /** Mean SSIM; null when the card's rule needs no SSIM and no map was computed for this frame. */
  ssimMean: number | null;
  map?: Float32Array;
  inferMs: number;
  scoreMs: number;
  /** inspectEncoded only: the frame as the model saw it, and what decoding it cost in the worker. */
  frame?: DecodedFrame;
}

export interface InspectorStats {
  workers: number;
  ready: number;
  busy: number;
  queued: number;
  completed: number;
  failed: number;
  timeouts: number;
  crashes: number;
  restarts: number;
  /** Slots whose replacement worker failed to start; they take no more work. */
  dead: number;
}

export interface Inspector {
  readonly card: ModelCard;
  readonly modelPath: string;
  /**
   * Score one preprocessed frame. `tensor.data`'s buffer is *transferred* to the worker (no
   * copy): it is detached (length 0) when this returns. A view into a larger or shared buffer
   * is copied instead. Requests queue while every worker is busy — bound that in the caller.
   */
  inspect(tensor: Tensor, opts?: InspectOptions): Promise<InspectOutcome>;
  /**
   * Decode, resize and score an encoded frame (JPEG, PNG, …) entirely in a worker, so each core
   * carries whole frames and the main thread keeps only timing and I/O. The bytes are copied
   * once and the copy transferred, or with `opts.transfer` handed over without a copy; FRAME_*
   * errors come back as rejections.
   */
  inspectEncoded(bytes: Uint8Array, opts?: InspectOptions): Promise<InspectOutcome>;
  stats(): InspectorStats;
  /** Rejects queued and in-flight requests (MODEL_CLOSED) and terminates every worker. Idempotent. */
  close(): Promise<void>;
}
