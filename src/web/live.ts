import type { InspectionResult } from '../domain/index.js';
import type { ImageSaved, InspectionRow, StoreReads } from '../store/index.js';
import { ScoreRing } from './scores.js';
import type { FaultEvent } from '../domain/index.js';

/**
 * What the dashboard keeps in memory from the `inspected` events: a ring of recent scores (the
 * histogram and threshold preview), the last rejects (the live strip, before their rows are
 * committed) and what happened since the last SSE flush. All bounded.
 */

export interface RejectEntry {
  seq: number;
  ts: number;
  /** Decision score (what the threshold is compared with); `ssim` is the mean SSIM when computed. */
  score: number | null;
  score_rule: string | null;
  ssim: number | null;
  threshold: number;
  verdict: 'reject' | 'error';
  source: string;
  /** Saved image relative to storage.images; null while it is being written, or when it is not saved. */
  image_path: string | null;
  /** True while its JPEG is being written (the store says when it lands): the page shows "saving", not a blank. */
  image_pending: boolean;
  /** Codes read back from old rows may predate the registry: plain strings here. */
  error?: { code: string; message: string };
}

export interface LatestSummary {
  seq: number;
  ts: number;
  score: number | null;
  score_rule: string;
  ssim: number | null;
  threshold: number;
  verdict: string;
  source: string;
  latency_ms: number;
  /** Saved image of this part, once written. */
  image_path: string | null;
}

/** A reject's image landed since the last batch (or will not come: path null). */
export interface ImageUpdate {
  seq: number;
  ts: number;
  image_path: string | null;
}

export const MAX_LIVE_REJECTS = 50;
/** Rejects carried by one SSE batch; more in one batch means the page refetches the list. */
export const MAX_BATCH_REJECTS = 20;

export class LiveState {
  readonly scores: ScoreRing;
  private rejects: RejectEntry[] = [];
  private batchRejects: RejectEntry[] = [];
  private batchOverflow = false;
  private batchScores = 0;
  private batchFaults: Array<FaultEvent> = [];
  private batchImages: ImageUpdate[] = [];
  latest: LatestSummary | null = null;

  constructor(scoreWindow = 2000) {
    this.scores = new ScoreRing(scoreWindow);
  }

  /** `imagePending`: the app handed this part's frame to the store to save (the store's onImageSaved follows). */
  add(r: InspectionResult, imagePending = false): void {
    this.scores.push(r.verdict === 'error' ? null : r.score);
    this.batchScores++;
    this.latest = { seq: r.seq, ts: r.ts, score: r.score, score_rule: r.score_rule, ssim: r.ssim, threshold: r.threshold, verdict: r.verdict, source: r.source, latency_ms: r.latency_ms, image_path: r.image_path ?? null };
    if (r.verdict === 'pass') return;
    const path = r.image_path ?? null;
    const e: RejectEntry = { seq: r.seq, ts: r.ts, score: r.score, score_rule: r.score_rule, ssim: r.ssim, threshold: r.threshold, verdict: r.verdict, source: r.source, image_path: path, image_pending: imagePending && path === null };
    if (r.error) e.error = { code: r.error.code, message: r.error.message };
    this.rejects.push(e);
    if (this.rejects.length > MAX_LIVE_REJECTS) this.rejects.shift();
    if (this.batchRejects.length < MAX_BATCH_REJECTS) this.batchRejects.push(e);
    else this.batchOverflow = true;
  }

  /**
   * The store wrote (or gave up) a part's image. The event for the part went out before its JPEG
   * existed, and its row is committed later still: without this, the newest reject showed "no
   * image yet" until a refetch that was timed by guess (1.2 s) happened to come after the commit.
   */
  imageSaved(e: Pick<ImageSaved, 'seq' | 'ts' | 'path'>): void {
    const k = key(e.seq, e.ts);
    const entry = this.rejects.find((x) => key(x.seq, x.ts) === k);
    if (entry) {
      entry.image_path = e.path;
      entry.image_pending = false;
    }
    if (this.latest && key(this.latest.seq, this.latest.ts) === k) this.latest.image_path = e.path;
    if (this.batchImages.length < MAX_BATCH_REJECTS) this.batchImages.push({ seq: e.seq, ts: e.ts, image_path: e.path });
    else this.batchOverflow = true;
  }

  fault(f: FaultEvent): void {
    if (this.batchFaults.length < 10) this.batchFaults.push(f);
  }

  /** What happened since the last call (for one SSE batch), and reset. */
  takeBatch(): { frames: number; rejects: RejectEntry[]; images: ImageUpdate[]; rejects_overflow: boolean; faults: LiveState['batchFaults'] } {
    const b = { frames: this.batchScores, rejects: this.batchRejects, images: this.batchImages, rejects_overflow: this.batchOverflow, faults: this.batchFaults };
    this.batchScores = 0;
    this.batchRejects = [];
    this.batchImages = [];
    this.batchOverflow = false;
    this.batchFaults = [];
    return b;
  }

  /**
   * Newest rejects first: committed rows merged with the live ones whose rows are not committed
   * yet. A row committed before its JPEG landed takes the image state from the live entry.
   */
  recentRejects(store: Pick<StoreReads, 'recent'>, station: string, limit: number): RejectEntry[] {
    const byKey = new Map<string, RejectEntry>();
    const live = new Map(this.rejects.map((e) => [key(e.seq, e.ts), e]));
    // Rejects are a small share of rows; scanning a bounded window keeps this one indexed query.
    for (const row of store.recent(Math.min(5000, limit * 50))) {
      if (row.verdict === 'pass' || row.station !== station) continue;
      const e = fromRow(row);
      const l = live.get(key(row.seq, row.ts));
      if (l && e.image_path === null) ({ image_path: e.image_path, image_pending: e.image_pending } = l);
      byKey.set(key(row.seq, row.ts), e);
    }
    for (const [k, e] of live) if (!byKey.has(k)) byKey.set(k, { ...e });
    return [...byKey.values()].sort((a, b) => b.ts - a.ts || b.seq - a.seq).slice(0, limit);
  }
}

const key = (seq: number, ts: number) => `${seq}:${Math.round(ts)}`;

function fromRow(row: InspectionRow): RejectEntry {
  const e: RejectEntry = {
    seq: row.seq, ts: row.ts, score: row.score, score_rule: row.score_rule, ssim: row.ssim, threshold: row.threshold, verdict: row.verdict as 'reject' | 'error', source: row.source, image_path: row.image_path, image_pending: false,
  };
  if (row.error_code) e.error = { code: row.error_code, message: row.error_message ?? '' };
  return e;
}
