/** Shapes of the JSON the server sends (mirrors src/web/api.ts and live.ts; kept apart so the browser bundle imports no server code). */
import type { Hist } from './histogram.js';
import type { Labelled } from './labelled.js';

export interface Counters {
  inspected: number | null; passed: number | null; rejected: number | null; errors: number | null; dropped: number | null;
  fps: number | null; latency_p50_ms: number | null; latency_p99_ms: number | null; mqtt_connected: boolean | null; outbox_pending: number | null;
}
/** `score` is the decision score; `ssim` the mean SSIM, only when the daemon computed it. */
export interface Latest { seq: number; ts: number; score: number | null; score_rule: string; ssim: number | null; threshold: number; verdict: string; source: string; latency_ms: number }
export interface Reject { seq: number; ts: number; score: number | null; score_rule: string | null; ssim: number | null; threshold: number; verdict: string; source: string; image_path: string | null; error?: { code: string; message: string } }
export interface CalibrationBrief { state: 'idle' | 'recording' | 'done'; count: number; target: number }
export interface Live { counters: Counters; latest: Latest | null; threshold: number; paused: boolean; calibration: CalibrationBrief; frames?: number; rejects?: Reject[]; rejects_overflow?: boolean; faults?: Array<{ code: string; message: string }> }
export interface State {
  station: string; threshold: number; paused: boolean; counters: Counters; latest: Latest | null;
  model: { name: string; variant: string; score_rule: string; calibration_rule: string };
  health: { ok: boolean; reason?: string };
}
export interface Preview { n: number; below: number; errors: number; rejected: number }
export interface HistogramReply { threshold: number; histogram: Hist & { min: number | null; max: number | null }; current: Preview; proposed: (Preview & { threshold: number }) | null; labelled: Labelled | null }
export interface CalibrationView { state: string; target: number; count: number; skipped: number; rule: string; proposed: number | null; proposed_rejects: number | null; histogram: Hist; labelled: Labelled | null }
export interface ThresholdChange { ts: number; old: number | null; new: number; who: string; reason: string | null }
