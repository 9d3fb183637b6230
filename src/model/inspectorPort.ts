import type { PreprocessSpec, Tensor } from '../preprocess/index.js';

/** What the pipeline needs from the model stage (the worker-backed inspector satisfies it). */
export interface InspectorPort {
  inspect(tensor: Tensor, opts: { wantMap: boolean; mapIfScoreBelow?: number }): Promise<InspectorOutcome>;
  /** Decode + resize + score in the model worker (the real inspector); without it the pipeline preprocesses here. */
  inspectEncoded?(bytes: Uint8Array, opts: { wantMap: boolean; mapIfScoreBelow?: number; roi?: PreprocessSpec['roi']; transfer?: boolean }): Promise<InspectorOutcome>;
}

export interface InspectorOutcome {
  score: number;
  /** Mean SSIM when the worker computed the SSIM map for this frame, else null/absent. */
  ssimMean?: number | null;
  map?: Float32Array;
  inferMs: number;
  scoreMs: number;
  frame?: { pixels: Uint8Array; preprocessMs: number; sourceWidth: number; sourceHeight: number };
}
