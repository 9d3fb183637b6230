import type { ErrorCode } from '../platform/index.js';
import type { PreprocessSpec } from '../preprocess/index.js';
import type { ModelCard } from './card.js';

/** Messages between src/model/client.ts (main thread) and src/model/worker.ts. */

export interface WorkerInit {
  onnxPath: string;
  card: ModelCard;
  /** onnxruntime intra-op threads for this worker's session. */
  threads: number;
  /** Inferences run (and scored) before reporting ready. */
  warmup: number;
  /** Whether InspectRequest.testHook is honoured (set only by tests, via openInspector({ testHooks: true })). */
  testHooks: boolean;
}

/**
 * Test-only behaviour, to exercise the client's recovery without a broken model:
 * `stallMs` blocks the worker thread synchronously (as a stuck native `session.run()` does),
 * `crash` throws an uncaught exception in the worker.
 */
export interface TestHook {
  stallMs?: number;
  crash?: boolean;
}

export interface InspectRequest {
  type: 'inspect';
  id: number;
  /** Normalised planar model input (transferred)... */
  data?: Float32Array;
  /** ...or the encoded frame (transferred): the worker decodes and resizes it itself. */
  encoded?: Uint8Array;
  /** Region of interest (source pixels, after EXIF orientation) for an encoded frame; none when absent. */
  roi?: PreprocessSpec['roi'];
  wantMap: boolean;
  /** Send the map only when the score is below this (saves copying maps of passed parts). */
  mapIfScoreBelow?: number;
  testHook?: TestHook;
}

export interface WireError {
  code: ErrorCode;
  message: string;
  context?: Record<string, unknown>;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'fatal'; error: WireError }
  | { type: 'result'; id: number; score: number; ssimMean: number | null; map?: Float32Array; inferMs: number; scoreMs: number; frame?: DecodedFrame }
  | { type: 'failed'; id: number; error: WireError };

/** What the worker made of an encoded frame (inspectEncoded): the model-sized 8-bit pixels (HWC, transferred) for evidence images. */
export interface DecodedFrame {
  pixels: Uint8Array;
  preprocessMs: number;
  sourceWidth: number;
  sourceHeight: number;
}
