import type { DashboardConfig } from '../config/index.js';
import { resolveZone } from '../platform/index.js';
import type { MinuteCounts, MinuteRow, StoreReads } from '../store/index.js';
import type { Handler } from './api.js';
import { badge, rates, resolveBands, type Bands } from './bands.js';
import { HttpError, sendJson } from './http.js';
import { ShiftCalendar, type Window } from './shifts.js';

/**
 * The shift dashboard's JSON: totals for the last hour, this shift and today, the last shifts,
 * the status badge, and the trend of one range in time buckets. Everything is read from the
 * per-minute counts (store/minutes.ts), never from the rows, so it costs the same at 2 M rows.
 */

const MINUTE = 60_000;
/** Bucket sizes a person reads easily; the smallest that keeps a range to ≤ 60 buckets is used. */
const BUCKET_MIN = [1, 2, 5, 10, 15, 20, 30, 60, 120, 240, 480, 1440];
export const RANGES = ['hour', 'shift', 'today'] as const;
export type RangeName = (typeof RANGES)[number];

export interface ShiftDeps {
  station: string;
  store: Pick<StoreReads, 'minuteCounts' | 'totals'>;
  dashboard: DashboardConfig;
  /** The model card's calibration block (its false-reject rate sets the 'auto' reject band). */
  calibration: Record<string, unknown> | undefined;
  /** Wall clock, ms. */
  now: () => number;
}

export interface Totals extends Window {
  counts: MinuteCounts;
  rates: ReturnType<typeof rates>;
}

export class ShiftView {
  readonly calendar: ShiftCalendar;
  readonly bands: Bands;
  readonly timezone: string;

  constructor(private readonly d: ShiftDeps) {
    this.calendar = new ShiftCalendar(d.dashboard.shifts, d.dashboard.timezone);
    this.bands = resolveBands(d.dashboard.bands, d.calibration);
    this.timezone = resolveZone(d.dashboard.timezone);
  }

  /** [start, end) of a named range at `now`; 'hour' is the last 60 whole minutes, the current one included. */
  range(name: RangeName, now: number): Window {
    if (name === 'shift') return this.calendar.at(now);
    if (name === 'today') return this.calendar.day(now);
    const end = (Math.floor(now / MINUTE) + 1) * MINUTE;
    return { name: 'last hour', start: end - 60 * MINUTE, end };
  }

  private totals(w: Window, now: number): Totals {
    const counts = this.d.store.totals(this.d.station, w.start, Math.min(w.end, now + 1));
    return { ...w, counts, rates: rates(counts) };
  }

  summary(): Record<string, unknown> {
    const now = this.d.now();
    const b = this.bands;
    const windowStart = (Math.floor(now / MINUTE) + 1 - b.window_min) * MINUTE;
    const shifts = this.calendar.recent(now, Math.min(12, this.calendar.size * 2));
    return {
      station: this.d.station,
      now,
      timezone: this.timezone,
      bands: b,
      badge: badge(this.d.store.totals(this.d.station, windowStart, now + 1), b),
      ranges: Object.fromEntries(RANGES.map((r) => [r, this.totals(this.range(r, now), now)])),
      shifts: shifts.map((w, i) => ({ ...this.totals(w, now), current: i === 0 })),
    };
  }

  trend(name: RangeName): Record<string, unknown> {
    const now = this.d.now();
    const w = this.range(name, now);
    const bucketMin = BUCKET_MIN.find((m) => (w.end - w.start) / (m * MINUTE) <= 60) ?? 1440;
    return { range: name, ...w, now, timezone: this.timezone, bucket_min: bucketMin, bands: this.bands, buckets: bucketize(this.d.store.minuteCounts(this.d.station, w.start, Math.min(w.end, now + 1)), w.start, bucketMin * MINUTE) };
  }
}

/** Minute rows → buckets of `bucketMs` from `start` (only buckets with parts; ts = bucket start). */
export function bucketize(rows: readonly MinuteRow[], start: number, bucketMs: number): MinuteRow[] {
  const out = new Map<number, MinuteRow>();
  for (const r of rows) {
    const ts = start + Math.floor((r.ts - start) / bucketMs) * bucketMs;
    let b = out.get(ts);
    if (!b) out.set(ts, (b = { ts, pass: 0, reject: 0, error: 0, dropped: 0 }));
    b.pass += r.pass;
    b.reject += r.reject;
    b.error += r.error;
    b.dropped += r.dropped;
  }
  return [...out.values()];
}

export function shiftRoutes(view: ShiftView): Record<string, Handler> {
  return {
    'GET /api/shift': (_req, res) => sendJson(res, 200, view.summary()),
    'GET /api/trend': (_req, res, url) => {
      const r = url.searchParams.get('range') ?? 'shift';
      if (!(RANGES as readonly string[]).includes(r)) throw new HttpError(400, `range must be one of ${RANGES.join(', ')}`);
      sendJson(res, 200, view.trend(r as RangeName));
    },
  };
}
