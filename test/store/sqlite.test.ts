import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InspectionResult } from '../../src/events/types.js';
import { outboxTopics } from '../../src/publish/topics.js';
import { openStore } from '../../src/store/sqlite.js';
import type { Store, StoreOptions } from '../../src/store/types.js';
import { waitFor } from '../helpers/mosquitto.js';
import { recordingLog, result, tempDir, tick } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let stores: Store[] = [];
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
  await cleanup();
});

const dbFile = () => join(dir, 'inspectd.db');
async function open(over: Partial<StoreOptions> = {}) {
  const log = recordingLog();
  const store = await openStore({
    database: dbFile(),
    imagesDir: join(dir, 'images'),
    retentionDays: 0,
    imagesQuotaMb: 10,
    // Large flush period: these tests decide when rows are written.
    flushMs: 60_000,
    log,
    ...over,
  });
  stores.push(store);
  return { store, log };
}

/** A second connection, as the CLI or a dashboard would read the file. */
function reader() {
  const db = new Database(dbFile(), { readonly: true });
  return {
    count: (table = 'inspections') => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number,
    all: <T>(sql: string) => db.prepare(sql).all() as T[],
    close: () => db.close(),
  };
}

describe('store: settings and batching', () => {
  it('opens the file in WAL mode with synchronous NORMAL', async () => {
    await open();
    const db = new Database(dbFile());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps rows in memory until flush(), then commits them all', async () => {
    const { store } = await open();
    for (let i = 1; i <= 5; i++) store.record(result(i));
    const r = reader();
    expect(r.count()).toBe(0);
    expect(store.stats().queued).toBe(5);
    store.flush();
    expect(r.count()).toBe(5);
    expect(store.stats()).toMatchObject({ queued: 0, recorded: 5, written: 5, flushes: 1 });
    r.close();
  });

  it('flushes by itself once batchSize rows are queued', async () => {
    const { store } = await open({ batchSize: 10 });
    for (let i = 1; i <= 9; i++) store.record(result(i));
    await tick();
    const r = reader();
    expect(r.count()).toBe(0);
    store.record(result(10));
    await tick();
    expect(r.count()).toBe(10);
    expect(store.stats().flushes).toBe(1);
    r.close();
  });

  it('flushes by itself after flushMs', async () => {
    const { store } = await open({ flushMs: 30 });
    store.record(result(1));
    const r = reader();
    expect(r.count()).toBe(0);
    await waitFor(() => r.count() === 1, 'timer flush');
    expect(store.stats().flushes).toBe(1);
    r.close();
  });

  it('stores every field of the result', async () => {
    const { store } = await open();
    store.record(result(2, { verdict: 'reject', score: 0.42, score_rule: 'combo', ssim: 0.61 }));
    store.record(result(3, { verdict: 'error', score: null, ssim: null, error: { code: 'FRAME_DECODE', message: 'truncated JPEG' } }));
    store.flush();
    const [row, scored] = store.recent(2);
    expect(scored).toMatchObject({ seq: 2, score: 0.42, score_rule: 'combo', ssim: 0.61, verdict: 'reject' });
    expect(row).toMatchObject({
      seq: 3,
      station: 'st1',
      source: 'frame-3.png',
      score: null,
      score_rule: 'residual_pool',
      ssim: null,
      threshold: 0.8,
      verdict: 'error',
      latency_ms: 4.5,
      image_path: null,
      error_code: 'FRAME_DECODE',
      error_message: 'truncated JPEG',
      preprocess_ms: 1,
      infer_ms: 2,
      score_ms: 0.5,
    });
    expect(row.ts).toBe(result(3).ts);
  });

  it('close() flushes, is idempotent, and leaves a file that passes integrity_check', async () => {
    const { store } = await open();
    for (let i = 1; i <= 250; i++) store.record(result(i, { verdict: i % 7 === 0 ? 'reject' : 'pass' }));
    await Promise.all([store.close(), store.close()]);
    await store.close();
    const db = new Database(dbFile());
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT count(*) FROM inspections').pluck().get()).toBe(250);
    db.close();
  });

  it('record() after close neither throws nor writes; it is counted', async () => {
    const { store, log } = await open();
    await store.close();
    expect(() => store.record(result(1))).not.toThrow();
    expect(store.stats().dropped).toBe(1);
    expect(log.codes()).toContain('STORE_CLOSED');
  });

  it('queries: recent (newest first), counts (optionally since a time), threshold changes', async () => {
    const { store } = await open();
    const verdicts: InspectionResult['verdict'][] = ['pass', 'pass', 'reject', 'error', 'pass'];
    verdicts.forEach((v, i) => store.record(result(i + 1, { verdict: v })));
    store.flush();
    expect(store.recent(2).map((r) => r.seq)).toEqual([5, 4]);
    expect(store.counts()).toEqual({ pass: 3, reject: 1, error: 1, total: 5 });
    expect(store.counts(result(4).ts)).toEqual({ pass: 1, reject: 0, error: 1, total: 2 });
    store.recordThresholdChange({ ts: 1, station: 'st1', old: 0.8, new: 0.75, who: 'mqtt', reason: 'too many false rejects' });
    store.recordThresholdChange({ ts: 2, station: 'st1', old: 0.75, new: 0.7, who: 'cli' });
    expect(store.thresholdChanges(5)).toEqual([
      { ts: 2, station: 'st1', old: 0.75, new: 0.7, who: 'cli', reason: null },
      { ts: 1, station: 'st1', old: 0.8, new: 0.75, who: 'mqtt', reason: 'too many false rejects' },
    ]);
  });
});

describe('store: outbox', () => {
  const topicsFor = outboxTopics('plant/line1');

  it('writes result (+ alert for non-pass) messages with their rows, readable in id order', async () => {
    const { store } = await open({ topicsFor });
    store.record(result(1));
    store.record(result(2, { verdict: 'reject', score: 0.4 }));
    store.record(result(3, { verdict: 'error', score: null, error: { code: 'FRAME_EMPTY', message: 'zero bytes' } }));
    store.flush();
    const rows = store.outboxPending(100);
    expect(rows.map((r) => [r.topic, JSON.parse(r.payload).seq])).toEqual([
      ['plant/line1/st1/result', 1],
      ['plant/line1/st1/result', 2],
      ['plant/line1/st1/alert', 2],
      ['plant/line1/st1/result', 3],
      ['plant/line1/st1/alert', 3],
    ]);
    expect(rows.every((r) => r.qos === 1 && r.retain === false)).toBe(true);
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b));
    expect(store.outboxPendingCount()).toBe(5);
    expect(store.outboxPending(2, rows[1].id).map((r) => r.id)).toEqual([rows[2].id, rows[3].id]);
  });

  it('is written in the same transaction as the row: a row that fails takes its messages with it', async () => {
    const { store, log } = await open({ topicsFor });
    store.record(result(1));
    // Violates the verdict CHECK: the batch transaction fails and is retried row by row.
    store.record(result(2, { verdict: 'bogus' as never }));
    store.record(result(3));
    store.flush();
    expect(store.recent(10).map((r) => r.seq)).toEqual([3, 1]);
    const seqs = store.outboxPending(100).map((r) => JSON.parse(r.payload).seq);
    expect(seqs).toEqual([1, 3]); // seq 2 was in topicsFor's output, but never committed
    expect(store.stats()).toMatchObject({ written: 2, dropped: 1, errors: 1, queued: 0 });
    expect(log.codes()).toContain('STORE_BAD_ROW');
  });

  it('markDelivered removes rows from pending; onOutboxWritten fires per commit', async () => {
    const { store } = await open({ topicsFor });
    let wakes = 0;
    const off = store.onOutboxWritten(() => wakes++);
    for (let i = 1; i <= 4; i++) store.record(result(i));
    store.flush();
    expect(wakes).toBe(1);
    const ids = store.outboxPending(10).map((r) => r.id);
    store.markDelivered(ids.slice(0, 3));
    store.markDelivered(ids.slice(0, 3)); // idempotent
    expect(store.outboxPending(10).map((r) => r.id)).toEqual([ids[3]]);
    expect(store.outboxPendingCount()).toBe(1);
    off();
    store.record(result(5));
    store.flush();
    expect(wakes).toBe(1);
  });

  it('bounds the undelivered backlog: the oldest are dropped and counted', async () => {
    const { store, log } = await open({ topicsFor, outboxMaxPending: 5 });
    for (let i = 1; i <= 8; i++) store.record(result(i));
    store.flush();
    expect(store.outboxPending(100).map((r) => JSON.parse(r.payload).seq)).toEqual([4, 5, 6, 7, 8]);
    expect(store.stats()).toMatchObject({ outbox_pending: 5, outbox_dropped: 3, written: 8 });
    expect(log.codes()).toContain('STORE_OUTBOX_FULL');
    // The inspection rows themselves are all kept: the DB is the record.
    expect(store.counts().total).toBe(8);
  });

  it('retention deletes delivered rows older than outboxRetentionHours, never pending ones', async () => {
    let now = 1_700_000_000_000;
    const { store } = await open({ topicsFor, outboxRetentionHours: 2, now: () => now });
    for (let i = 1; i <= 3; i++) store.record(result(i));
    store.flush();
    const [a, b] = store.outboxPending(10).map((r) => r.id);
    store.markDelivered([a]);
    now += 3 * 3_600_000;
    store.markDelivered([b]); // delivered recently: kept
    await store.runMaintenance();
    const r = reader();
    expect(r.all<{ id: number; delivered: number }>('SELECT id, delivered_ts IS NOT NULL AS delivered FROM outbox ORDER BY id').map((x) => [x.id, x.delivered])).toEqual([
      [b, 1],
      [b + 1, 0],
    ]);
    r.close();
  });

  it('a topicsFor that throws costs the messages, not the row', async () => {
    const { store, log } = await open({
      topicsFor: () => {
        throw new Error('boom');
      },
    });
    store.record(result(1));
    store.flush();
    expect(store.counts().total).toBe(1);
    expect(store.outboxPendingCount()).toBe(0);
    expect(store.stats().errors).toBe(1);
    expect(log.codes()).toContain('STORE_TOPICS');
  });

  it('survives re-open: pending messages are still pending', async () => {
    const first = await open({ topicsFor });
    for (let i = 1; i <= 3; i++) first.store.record(result(i));
    await first.store.close();
    const { store } = await open({ topicsFor });
    expect(store.outboxPendingCount()).toBe(3);
    expect(store.outboxPending(10).map((r) => JSON.parse(r.payload).seq)).toEqual([1, 2, 3]);
  });
});

describe('store: retention by age', () => {
  it('deletes rows older than retentionDays on open and on maintenance, with their image files', async () => {
    const DAY = 86_400_000;
    let now = Date.UTC(2025, 0, 10, 12);
    const { store } = await open({ retentionDays: 2, now: () => now });
    const px = new Uint8Array(16 * 16).fill(120);
    const img = (seq: number, ts: number) => ({ pixels: px, width: 16, height: 16, channels: 1 as const, seq, ts, verdict: 'reject' as const });
    const old = now - 3 * DAY;
    const recent = now - 1 * DAY;
    store.record(result(1, { ts: old, verdict: 'reject' }), img(1, old));
    store.record(result(2, { ts: recent, verdict: 'reject' }), img(2, recent));
    store.record(result(3, { ts: now }));
    await store.close();
    const { existsSync } = await import('node:fs');
    const paths = new Database(dbFile(), { readonly: true }).prepare('SELECT seq, image_path FROM inspections ORDER BY seq').all() as Array<{ seq: number; image_path: string | null }>;
    expect(paths.map((p) => [p.seq, p.image_path])).toEqual([
      [1, '2025-01-07/1-' + old + '.jpg'],
      [2, '2025-01-09/2-' + recent + '.jpg'],
      [3, null],
    ]);
    expect(existsSync(join(dir, 'images', paths[0].image_path!))).toBe(true);

    stores = [];
    const reopened = await open({ retentionDays: 2, now: () => now });
    expect(reopened.store.recent(10).map((r) => r.seq)).toEqual([3, 2]);
    expect(existsSync(join(dir, 'images', paths[0].image_path!))).toBe(false);
    expect(existsSync(join(dir, 'images', '2025-01-07'))).toBe(false); // whole old day folder gone
    expect(existsSync(join(dir, 'images', paths[1].image_path!))).toBe(true);
    expect(reopened.store.stats().retention_deleted).toBe(1);

    now += 2 * DAY + 1; // hourly maintenance, just over two days later
    await reopened.store.runMaintenance();
    expect(reopened.store.recent(10).map((r) => r.seq)).toEqual([]);
    expect(existsSync(join(dir, 'images', paths[1].image_path!))).toBe(false);
  });

  it('retentionMaxRows caps the table: the oldest rows go first', async () => {
    const { store } = await open({ retentionDays: 0, retentionMaxRows: 50 });
    for (let i = 1; i <= 120; i++) store.record(result(i));
    store.flush();
    await store.runMaintenance();
    const seqs = store.recent(1000).map((r) => r.seq);
    expect(seqs.length).toBe(50);
    expect(Math.min(...seqs)).toBe(71);
    expect(store.stats().retention_deleted).toBe(70);
  });

  it('retentionDays 0 keeps everything', async () => {
    const { store } = await open({ retentionDays: 0, now: () => Date.UTC(2030, 0, 1) });
    store.record(result(1, { ts: 0 }));
    store.flush();
    await store.runMaintenance();
    expect(store.counts().total).toBe(1);
  });
});

describe('store: error isolation', () => {
  it('a DB that refuses writes (locked by another writer): nothing thrown, rows kept and written once it recovers', async () => {
    const { store, log } = await open({ busyTimeoutMs: 10, maxQueue: 100, batchSize: 100 });
    const other = new Database(dbFile());
    other.exec('BEGIN IMMEDIATE'); // holds the write lock
    for (let i = 1; i <= 3; i++) expect(() => store.record(result(i))).not.toThrow();
    expect(() => store.flush()).not.toThrow();
    expect(store.stats()).toMatchObject({ written: 0, queued: 3, errors: 1 });
    expect(log.codes()).toContain('STORE_WRITE');
    other.exec('COMMIT');
    other.close();
    store.flush();
    expect(store.stats()).toMatchObject({ written: 3, queued: 0 });
    expect(store.recent(10).map((r) => r.seq)).toEqual([3, 2, 1]);
  });

  it('while writes keep failing, the in-memory queue is bounded: the oldest rows are dropped and counted', async () => {
    const { store, log } = await open({ busyTimeoutMs: 1, maxQueue: 20, batchSize: 10 });
    const other = new Database(dbFile());
    other.exec('BEGIN IMMEDIATE');
    for (let i = 1; i <= 25; i++) store.record(result(i));
    store.flush();
    expect(store.stats()).toMatchObject({ queued: 20, dropped: 5, written: 0 });
    expect(log.codes()).toContain('STORE_QUEUE_FULL');
    other.exec('COMMIT');
    other.close();
    store.flush();
    expect(store.recent(100).map((r) => r.seq).reverse()).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
  });
});
