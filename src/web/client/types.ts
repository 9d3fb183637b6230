/** Shapes of the JSON the server sends (mirrors src/web/api.ts and live.ts; kept apart so the browser bundle imports no server code). */
import type { Hist } from './histogram.js';
import type { Labelled } from './labelled.js';

export interface Counters {
  inspected: number | null; passed: number | null; rejected: number | null; errors: number | null; dropped: number | null;
  fps: number | null; latency_p50_ms: number | null; latency_p99_ms: number | null; mqtt_connected: boolean | null; outbox_pending: number | null;
}
/** `score` is the decision score; `ssim` the mean SSIM, only when the daemon computed it. */
export interface Latest { seq: number; ts: number; score: number | null; score_rule: string; ssim: number | null; threshold: number; verdict: string; source: string; latency_ms: number; image_path: string | null }
export interface Reject {
  seq: number; ts: number; score: number | null; score_rule: string | null; ssim: number | null; threshold: number; verdict: string; source: string;
  image_path: string | null; image_pending: boolean; error?: { code: string; message: string };
}
export interface CalibrationBrief { state: 'idle' | 'recording' | 'done'; count: number; target: number }
export interface Live {
  counters: Counters; latest: Latest | null; threshold: number; paused: boolean; calibration: CalibrationBrief; frames?: number; rejects?: Reject[];
  images?: Array<{ seq: number; ts: number; image_path: string | null }>; rejects_overflow?: boolean; faults?: Array<{ code: string; message: string }>;
}
export interface State {
  station: string; threshold: number; paused: boolean; counters: Counters; latest: Latest | null;
  model: { name: string; variant: string; score_rule: string; calibration_rule: string };
  health: { ok: boolean; reason?: string };
}
export interface Preview { n: number; below: number; errors: number; rejected: number }
export interface HistogramReply { threshold: number; histogram: Hist & { min: number | null; max: number | null }; current: Preview; proposed: (Preview & { threshold: number }) | null; labelled: Labelled | null }
export interface CalibrationView { state: string; target: number; count: number; skipped: number; rule: string; proposed: number | null; proposed_rejects: number | null; histogram: Hist; labelled: Labelled | null }
export interface ThresholdChange { ts: number; old: number | null; new: number; who: string; reason: string | null }

/** /api/shift and /api/trend (src/web/shiftApi.ts, bands.ts). */
export interface Counts { pass: number; reject: number; error: number; dropped: number }
export interface Rates { parts: number; inspected: number; yield_pct: number | null; reject_pct: number | null; error_pct: number | null }
export interface Band { amber: number; red: number }
export interface Bands { window_min: number; min_parts: number; reject: Band & { from: string }; error: Band }
export interface Totals { name: string; start: number; end: number; counts: Counts; rates: Rates }
export interface ShiftSummary {
  station: string; now: number; timezone: string; bands: Bands;
  badge: { level: 'ok' | 'amber' | 'red' | 'quiet'; reasons: string[]; window_min: number; rates: Rates };
  ranges: Record<'hour' | 'shift' | 'today', Totals>;
  shifts: Array<Totals & { current: boolean }>;
}
export interface Trend { range: string; name: string; start: number; end: number; now: number; timezone: string; bucket_min: number; bands: Bands; buckets: Array<Counts & { ts: number }> }
