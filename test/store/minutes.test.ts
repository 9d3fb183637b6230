import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { InspectionResult } from '../../src/events/types.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { countKey } from '../../src/store/minutes.js';
import { openStore } from '../../src/store/sqlite.js';
import type { StoreOptions } from '../../src/store/types.js';
import { frame, perTestStores, recordingLog, result } from './fixtures.js';

const tmp = perTestStores();

const T0 = Date.UTC(2026, 0, 15, 6, 0); // a minute boundary
const dbFile = () => join(tmp.dir(), 'inspectd.db');
async function open(over: Partial<StoreOptions> = {}) {
  const store = await openStore({ database: dbFile(), imagesDir: join(tmp.dir(), 'images'), retentionDays: 0, imagesQuotaMb: 10, flushMs: 60_000, log: recordingLog(), ...over });
  tmp.track(store);
  return store;
}

/** A verdict mix that repeats every 10 parts: 6 pass, 2 reject, 1 error, 1 dropped. */
function mixed(seq: number, ts: number): InspectionResult {
  const k = seq % 10;
  if (k < 6) return result(seq, { ts });
  if (k < 8) return result(seq, { ts, verdict: 'reject', score: 0.1 });
  if (k === 8) return result(seq, { ts, verdict: 'error', score: null, error: { code: 'MODEL_TIMEOUT', message: 'slow' } });
  return result(seq, { ts, verdict: 'error', score: null, error: { code: 'FRAME_DROPPED', message: 'queue full' } });
}

/** The same counts straight from the rows, as a GROUP BY would give them. */
function fromRows(from: number, to: number) {
  const db = new Database(dbFile(), { readonly: true });
  const r = db.prepare(`SELECT coalesce(sum(verdict = 'pass'), 0) pass, coalesce(sum(verdict = 'reject'), 0) reject,
    coalesce(sum(verdict = 'error' AND error_code <> 'FRAME_DROPPED'), 0) error, coalesce(sum(error_code = 'FRAME_DROPPED'), 0) dropped
    FROM inspections WHERE ts >= ? AND ts < ?`).get(from, to);
  db.close();
  return r;
}

describe('store: per-minute counts', () => {
  it('counts each verdict per minute in the rows\' own transaction; errors and drops apart', async () => {
    const store = await open();
    // 3 minutes at one part every 2 s; ts with a fraction, as wall clocks give.
    for (let i = 0; i < 90; i++) store.record(mixed(i, T0 + i * 2000 + 0.25));
    expect(store.minuteCounts('st1', T0, T0 + 180_000)).toEqual([]); // nothing committed yet
    store.flush();
    const rows = store.minuteCounts('st1', T0, T0 + 180_000);
    expect(rows.map((r) => r.ts)).toEqual([T0, T0 + 60_000, T0 + 120_000]);
    expect(rows[0]).toEqual({ ts: T0, pass: 18, reject: 6, error: 3, dropped: 3 });
    expect(store.totals('st1', T0, T0 + 180_000)).toEqual(fromRows(T0, T0 + 180_000));
    expect(store.totals('st1', T0, T0 + 180_000)).toEqual({ pass: 54, reject: 18, error: 9, dropped: 9 });
    expect(store.totals('other-station', T0, T0 + 180_000)).toEqual({ pass: 0, reject: 0, error: 0, dropped: 0 });
  });

  it('adds to a minute across batches and takes whole minutes at range edges', async () => {
    const store = await open();
    store.record(mixed(0, T0 + 10_000));
    store.flush();
    store.record(mixed(6, T0 + 50_000));
    store.record(mixed(1, T0 + 61_000));
    store.flush();
    expect(store.minuteCounts('st1', T0, T0 + 120_000)).toEqual([
      { ts: T0, pass: 1, reject: 1, error: 0, dropped: 0 },
      { ts: T0 + 60_000, pass: 1, reject: 0, error: 0, dropped: 0 },
    ]);
    // [T0 + 30 s, T0 + 61 s) covers both minutes: counts are per minute.
    expect(store.totals('st1', T0 + 30_000, T0 + 61_000)).toMatchObject({ pass: 2, reject: 1 });
    expect(store.totals('st1', T0 + 60_000, T0 + 60_000)).toMatchObject({ pass: 0 });
  });

  it('the row cap removes rows but not their counts: shift totals stay whole', async () => {
    const store = await open({ retentionMaxRows: 50 });
    for (let i = 0; i < 200; i++) store.record(mixed(i, T0 + i * 1000));
    store.flush();
    await store.runMaintenance();
    const db = new Database(dbFile(), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM inspections').pluck().get()).toBeLessThanOrEqual(51);
    db.close();
    expect(store.totals('st1', T0, T0 + 200_000)).toEqual({ pass: 120, reject: 40, error: 20, dropped: 20 });
  });

  it('age retention removes the minutes before the cutoff with their rows, and keeps the rest', async () => {
    let now = T0 + 10 * 86_400_000;
    const store = await open({ retentionDays: 2, now: () => now });
    const old = T0 + 7 * 86_400_000; // 3 days before now
    const recent = T0 + 9 * 86_400_000; // 1 day before now
    for (let i = 0; i < 10; i++) store.record(mixed(i, old + i * 1000));
    for (let i = 10; i < 20; i++) store.record(mixed(i, recent + (i - 10) * 1000));
    store.flush();
    await store.runMaintenance();
    expect(store.totals('st1', old, old + 60_000)).toEqual({ pass: 0, reject: 0, error: 0, dropped: 0 });
    expect(store.totals('st1', recent, recent + 60_000)).toEqual({ pass: 6, reject: 2, error: 1, dropped: 1 });
    expect(store.totals('st1', recent, recent + 60_000)).toEqual(fromRows(recent, recent + 60_000));
    now += 86_400_000 + 60_000; // the recent minute is now past the cutoff too
    await store.runMaintenance();
    expect(store.minuteCounts('st1', 0, now)).toEqual([]);
  });

  it('migration v6 fills the counts from the rows already in a v4 file', async () => {
    const file = dbFile();
    const old = new Database(file);
    migrate(old, MIGRATIONS.slice(0, 4));
    const ins = old.prepare('INSERT INTO inspections (ts, station, seq, source, score, threshold, verdict, latency_ms, error_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < 40; i++) {
      const r = mixed(i, T0 + i * 3000);
      ins.run(r.ts, 'st1', i, 'a', r.score, 0.8, r.verdict, 3, r.error?.code ?? null);
    }
    old.close();
    const store = await open();
    expect(store.totals('st1', T0, T0 + 120_000)).toEqual({ pass: 24, reject: 8, error: 4, dropped: 4 });
    expect(store.minuteCounts('st1', T0, T0 + 120_000).map((r) => r.pass + r.reject + r.error + r.dropped)).toEqual([20, 20]);
  });

  it('says when an image is written, before its row is committed', async () => {
    const store = await open();
    const seen: unknown[] = [];
    store.onImageSaved((e) => seen.push(e));
    const r = result(7, { verdict: 'reject', score: 0.1 });
    store.record(r, { pixels: frame(16, 16, 1), width: 16, height: 16, channels: 1, seq: 7, ts: r.ts, verdict: 'reject' });
    await new Promise<void>((res) => { const t = setInterval(() => seen.length && (clearInterval(t), res()), 5); });
    expect(seen).toEqual([{ station: 'st1', seq: 7, ts: r.ts, path: expect.stringMatching(/^\d{4}-\d{2}-\d{2}\/7-\d+\.jpg$/) }]);
    expect(store.recent(1)).toEqual([]); // flushMs is a minute here: the row is still queued
  });

  it('sorts a result into one count', () => {
    expect(countKey({ verdict: 'pass' })).toBe('pass');
    expect(countKey({ verdict: 'error', error: { code: 'FRAME_DROPPED', message: '' } })).toBe('dropped');
    expect(countKey({ verdict: 'error', error: { code: 'CAMERA_LOST', message: '' } })).toBe('error');
  });
});
