import type { Database, Statement } from 'better-sqlite3';
import type { InspectionResult } from '../domain/index.js';

/**
 * Per-minute counts (table inspection_minutes, migration v6): what the shift dashboard's trends
 * and totals read instead of the rows. One upsert per station-minute per committed batch, in the
 * rows' own transaction, so the counts and the rows never disagree about what was written.
 */

export const MINUTE_MS = 60_000;

/** Parts of one station in one minute (or summed over a range). `error` excludes dropped frames. */
export interface MinuteCounts {
  pass: number;
  reject: number;
  error: number;
  dropped: number;
}

export interface MinuteRow extends MinuteCounts {
  /** Minute start, ms since epoch (a multiple of 60 000). */
  ts: number;
}

export const minuteOf = (ts: number) => Math.floor(ts / MINUTE_MS);

/** Which count a result adds to. */
export function countKey(r: Pick<InspectionResult, 'verdict' | 'error'>): keyof MinuteCounts {
  if (r.verdict !== 'error') return r.verdict;
  return r.error?.code === 'FRAME_DROPPED' ? 'dropped' : 'error';
}

/** A batch of results → counts per station and minute (usually one or two entries). */
export function countBatch(results: Iterable<InspectionResult>): Array<{ station: string; minute: number } & MinuteCounts> {
  const by = new Map<string, { station: string; minute: number } & MinuteCounts>();
  for (const r of results) {
    const minute = minuteOf(r.ts);
    const k = `${minute}\u0000${r.station}`;
    let c = by.get(k);
    if (!c) by.set(k, (c = { station: r.station, minute, pass: 0, reject: 0, error: 0, dropped: 0 }));
    c[countKey(r)]++;
  }
  return [...by.values()];
}

export interface MinuteStatements {
  add: Statement;
  range: Statement;
  sum: Statement;
  deleteBefore: Statement;
}

export function prepareMinuteStatements(db: Database): MinuteStatements {
  return {
    add: db.prepare(`
      INSERT INTO inspection_minutes (station, minute, pass, reject, error, dropped) VALUES (@station, @minute, @pass, @reject, @error, @dropped)
      ON CONFLICT (station, minute) DO UPDATE SET pass = pass + excluded.pass, reject = reject + excluded.reject,
        error = error + excluded.error, dropped = dropped + excluded.dropped`),
    range: db.prepare('SELECT minute, pass, reject, error, dropped FROM inspection_minutes WHERE station = ? AND minute >= ? AND minute < ? ORDER BY minute'),
    sum: db.prepare(`SELECT coalesce(sum(pass), 0) AS pass, coalesce(sum(reject), 0) AS reject, coalesce(sum(error), 0) AS error, coalesce(sum(dropped), 0) AS dropped
      FROM inspection_minutes WHERE station = ? AND minute >= ? AND minute < ?`),
    deleteBefore: db.prepare('DELETE FROM inspection_minutes WHERE minute < ?'),
  };
}

/** Minutes overlapping [from, to): a range edge inside a minute takes that whole minute (counts are per minute). */
function minuteSpan(from: number, to: number): [number, number] {
  return [minuteOf(from), minuteOf(to - 1) + 1];
}

/** The non-empty minutes of [from, to), oldest first. */
export function minuteRows(st: MinuteStatements, station: string, from: number, to: number): MinuteRow[] {
  if (!(to > from)) return [];
  const rows = st.range.all(station, ...minuteSpan(from, to)) as Array<MinuteCounts & { minute: number }>;
  return rows.map((r) => ({ ts: r.minute * MINUTE_MS, pass: r.pass, reject: r.reject, error: r.error, dropped: r.dropped }));
}

/** Counts summed over [from, to). */
export function minuteTotals(st: MinuteStatements, station: string, from: number, to: number): MinuteCounts {
  if (!(to > from)) return { pass: 0, reject: 0, error: 0, dropped: 0 };
  return st.sum.get(station, ...minuteSpan(from, to)) as MinuteCounts;
}
