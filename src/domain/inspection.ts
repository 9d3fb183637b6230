import type { ErrorCode } from '../platform/index.js';

export type Verdict = 'pass' | 'reject' | 'error';

/** One inspected part. This is the row in SQLite and the body of MQTT `result`/`alert`. */
export interface InspectionResult {
  station: string;
  seq: number;
  /** Wall-clock capture time, ms since epoch. */
  ts: number;
  source: string;
  /**
   * The model card's decision score (higher = more like a good part): the value compared with
   * `threshold`. Null when the frame could not be inspected.
   */
  score: number | null;
  /** The card's score rule that produced `score` ('combo', 'residual_pool', 'ssim_mean' …). */
  score_rule: string;
  /**
   * Mean SSIM of the frame vs its reconstruction (the study's SSIM), or null where it was not
   * computed (the SSIM map costs ~0.8 ms a frame): present on every inspected frame when the
   * card's rule reads SSIM; with a residual rule only on frames whose heatmap was made (scored
   * below the threshold while images are saved or the dashboard is on); never when the heatmap is
   * the head's anomaly map (the default two-stage casting model). Not what the threshold is compared with.
   */
  ssim: number | null;
  threshold: number;
  verdict: Verdict;
  /** Capture → decision, ms. */
  latency_ms: number;
  /** Per-stage times, ms. */
  stages: { preprocess_ms: number; infer_ms: number; score_ms: number };
  /** Error code + message when verdict is 'error'. */
  error?: { code: ErrorCode; message: string };
  /** Saved image (rejects; JPEG with SSIM heatmap overlay) relative to storage.images, when saved. */
  image_path?: string | null;
}

/** The counters the daemon reports once per stats interval (log line, MQTT `stats`, dashboard). */
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
