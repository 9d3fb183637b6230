export type Verdict = 'pass' | 'reject' | 'error';

/** One inspected part. This is the row in SQLite and the body of MQTT `result`/`alert`. */
export interface InspectionResult {
  station: string;
  seq: number;
  /** Wall-clock capture time, ms since epoch. */
  ts: number;
  source: string;
  /** The model card's score (SSIM-based, higher = better); null when the frame could not be inspected. */
  ssim: number | null;
  threshold: number;
  verdict: Verdict;
  /** Capture → decision, ms. */
  latency_ms: number;
  /** Per-stage times, ms. */
  stages: { preprocess_ms: number; infer_ms: number; score_ms: number };
  /** Error code + message when verdict is 'error'. */
  error?: { code: string; message: string };
  /** Saved image (rejects; JPEG with SSIM heatmap overlay) relative to storage.images, when saved. */
  image_path?: string | null;
}

/** Typed events fanned out to sinks. The actuator is never a listener (see ARCHITECTURE.md). */
export interface EventMap {
  inspected: InspectionResult;
  fault: { code: string; message: string; fatal: boolean; ts: number };
  stats: StatsSnapshot;
}

export interface StatsSnapshot {
  station: string;
  ts: number;
  inspected: number;
  passed: number;
  rejected: number;
  errors: number;
  dropped: number;
  fps: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
}
