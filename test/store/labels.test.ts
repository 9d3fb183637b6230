/**
 * Operator labels in SQLite: a label copies its part's decision, the latest label wins and the
 * old one is kept as history, the MQTT message is written to the outbox in the same transaction,
 * and the review queue lists rejects and sampled passes that have an image, with their labels.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { labelTopics } from '../../src/publish/labelTopic.js';
import { isPassSample } from '../../src/store/labelTypes.js';
import { openStore } from '../../src/store/sqlite.js';
import type { Store, StoreOptions } from '../../src/store/types.js';
import { frame, perTestStores, recordingLog, result } from './fixtures.js';

const stores = perTestStores();

let clock = 1_800_000_000_000;
async function open(over: Partial<StoreOptions> = {}) {
  const dir = stores.dir();
  return stores.track(await openStore({ database: join(dir, 'inspectd.db'), imagesDir: join(dir, 'images'), retentionDays: 0, imagesQuotaMb: 10, flushMs: 60_000, log: recordingLog(), now: () => clock, ...over }));
}

const img = (seq: number, ts: number, verdict: 'pass' | 'reject' | 'error') => ({ pixels: frame(16, 12, 1, 90), width: 16, height: 12, channels: 1 as const, map: null, seq, ts, verdict });

/** Rows as the daemon writes them: rejects with images, every 10th pass with one, other passes without. */
async function fill(store: Store, n: number): Promise<void> {
  for (let seq = 1; seq <= n; seq++) {
    const verdict = seq % 7 === 0 ? 'reject' : seq === 11 ? 'error' : 'pass';
    const r = result(seq, { verdict, score: verdict === 'pass' ? 0.95 : verdict === 'error' ? null : 0.5 });
    if (verdict !== 'pass' || isPassSample(seq, 10)) store.record(r, img(seq, r.ts, verdict));
    else store.record(r);
  }
  await store.drain();
}

describe('labels table', () => {
  it('labels a committed part with who and when, copying its verdict, score and image', async () => {
    const store = await open();
    await fill(store, 14);
    const part = result(7);
    clock += 1000;
    const r = store.labels.set({ station: 'st1', seq: 7, ts: part.ts, label: 'good', who: 'anna' });
    expect(r).toMatchObject({ ok: true, changed: true, previous: null });
    if (!r.ok) throw new Error('unreachable');
    expect(r.label).toMatchObject({ station: 'st1', seq: 7, part_ts: part.ts, label: 'good', who: 'anna', ts: clock, verdict: 'reject', score: 0.5, score_rule: 'residual_pool', threshold: 0.8, superseded_ts: null });
    expect(r.label.image_path).toMatch(/^\d{4}-\d{2}-\d{2}\/7-\d+\.jpg$/);
    expect(store.labels.current({ station: 'st1', seq: 7, ts: part.ts })).toEqual(r.label);
  });

  it('a part that is not in the table (unknown seq, wrong ts, other station, not committed yet) is refused', async () => {
    const store = await open();
    await fill(store, 7);
    const ts = result(7).ts;
    expect(store.labels.set({ station: 'st1', seq: 99, ts, label: 'good', who: 'a' })).toEqual({ ok: false, reason: 'no_part' });
    expect(store.labels.set({ station: 'st1', seq: 7, ts: ts + 1, label: 'good', who: 'a' })).toEqual({ ok: false, reason: 'no_part' });
    expect(store.labels.set({ station: 'other', seq: 7, ts, label: 'good', who: 'a' })).toEqual({ ok: false, reason: 'no_part' });
    store.record(result(8, { verdict: 'reject' }));
    expect(store.labels.set({ station: 'st1', seq: 8, ts: result(8).ts, label: 'defect', who: 'a' })).toEqual({ ok: false, reason: 'no_part' });
    expect(store.labels.counts()).toEqual({ good: 0, defect: 0 });
  });

  it('relabelling: the latest label wins, the old one is kept with superseded_ts; the same label again changes nothing', async () => {
    const store = await open();
    await fill(store, 7);
    const key = { station: 'st1', seq: 7, ts: result(7).ts };
    clock += 1000;
    store.labels.set({ ...key, label: 'defect', who: 'anna' });
    clock += 1000;
    const again = store.labels.set({ ...key, label: 'defect', who: 'bert' });
    expect(again).toMatchObject({ ok: true, changed: false, label: { who: 'anna' } });
    clock += 1000;
    const second = store.labels.set({ ...key, label: 'good', who: 'bert' });
    expect(second).toMatchObject({ ok: true, changed: true, label: { label: 'good', who: 'bert', superseded_ts: null }, previous: { label: 'defect', who: 'anna', superseded_ts: clock } });
    expect(store.labels.current(key)).toMatchObject({ label: 'good', who: 'bert' });
    expect(store.labels.history(key).map((l) => [l.label, l.who, l.superseded_ts])).toEqual([['good', 'bert', null], ['defect', 'anna', clock]]);
    expect(store.labels.counts('st1')).toEqual({ good: 1, defect: 0 });
    expect(store.labels.list({ limit: 10 }).map((l) => l.label)).toEqual(['good']);
  });

  it('the unique index keeps one current label per part even against a direct second insert', async () => {
    const store = await open();
    await fill(store, 7);
    store.labels.set({ station: 'st1', seq: 7, ts: result(7).ts, label: 'good', who: 'a' });
    await store.close();
    const db = new Database(join(stores.dir(), 'inspectd.db'));
    expect(() => db.prepare("INSERT INTO labels (station, seq, part_ts, label, who, ts, verdict, threshold) VALUES ('st1', 7, ?, 'defect', 'x', 1, 'reject', 0.8)").run(result(7).ts)).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO labels (station, seq, part_ts, label, who, ts, verdict, threshold) VALUES ('st1', 8, 1, 'maybe', 'x', 1, 'reject', 0.8)").run()).toThrow(/CHECK/);
    db.close();
  });

  it('with MQTT on, each new label queues one QoS 1, not retained `label` message in its transaction and kicks the outbox pump', async () => {
    const store = await open({ labelTopicsFor: labelTopics('plant') });
    await fill(store, 14);
    let kicks = 0;
    store.onOutboxWritten(() => kicks++);
    const before = store.outboxPendingCount();
    const key = { station: 'st1', seq: 14, ts: result(14).ts };
    store.labels.set({ ...key, label: 'defect', who: 'anna' });
    store.labels.set({ ...key, label: 'defect', who: 'anna' }); // unchanged: nothing published
    store.labels.set({ ...key, label: 'good', who: 'anna' });
    expect(store.outboxPendingCount()).toBe(before + 2);
    expect(kicks).toBe(2);
    const msgs = store.outboxPending(100).filter((m) => m.topic === 'plant/st1/label');
    expect(msgs.map((m) => [m.qos, m.retain])).toEqual([[1, false], [1, false]]);
    expect(JSON.parse(msgs[1].payload)).toMatchObject({ station: 'st1', seq: 14, ts: key.ts, label: 'good', previous: 'defect', who: 'anna', labelled_ts: clock, verdict: 'reject', score: 0.5, threshold: 0.8 });
  });

  it('scores(): the current labels by the card rule, the others only counted', async () => {
    const store = await open();
    await fill(store, 14);
    store.labels.set({ station: 'st1', seq: 7, ts: result(7).ts, label: 'good', who: 'a' });
    store.labels.set({ station: 'st1', seq: 14, ts: result(14).ts, label: 'defect', who: 'a' });
    store.labels.set({ station: 'st1', seq: 10, ts: result(10).ts, label: 'good', who: 'a' });
    store.labels.set({ station: 'st1', seq: 11, ts: result(11).ts, label: 'defect', who: 'a' }); // not inspected: no score
    expect(store.labels.scores('residual_pool')).toEqual({ good: [0.95, 0.5], defect: [0.5], unscored: 1, other_rule: 0 });
    expect(store.labels.scores('combo')).toEqual({ good: [], defect: [], unscored: 1, other_rule: 3 });
  });
});

describe('review queue', () => {
  it('lists rejects, errors and sampled passes that have an image, newest first, with their labels', async () => {
    const store = await open();
    await fill(store, 30);
    store.labels.set({ station: 'st1', seq: 21, ts: result(21).ts, label: 'good', who: 'anna' });
    const q = store.labels.queue({ station: 'st1', limit: 50, passEvery: 10 });
    expect(q.map((i) => [i.seq, i.kind])).toEqual([[30, 'pass_sample'], [28, 'reject'], [21, 'reject'], [20, 'pass_sample'], [14, 'reject'], [11, 'reject'], [10, 'pass_sample'], [7, 'reject']]);
    expect(q.every((i) => /\.jpg$/.test(i.image_path))).toBe(true);
    expect(q.find((i) => i.seq === 21)!.label).toMatchObject({ label: 'good', who: 'anna' });
    expect(q.find((i) => i.seq === 11)).toMatchObject({ verdict: 'error', label: null });
  });

  it('passEvery 0 lists rejects only; limit and unlabelledOnly apply', async () => {
    const store = await open();
    await fill(store, 30);
    expect(store.labels.queue({ station: 'st1', limit: 50, passEvery: 0 }).map((i) => i.seq)).toEqual([28, 21, 14, 11, 7]);
    expect(store.labels.queue({ station: 'st1', limit: 2, passEvery: 10 }).map((i) => i.seq)).toEqual([30, 28]);
    store.labels.set({ station: 'st1', seq: 28, ts: result(28).ts, label: 'defect', who: 'a' });
    store.labels.set({ station: 'st1', seq: 30, ts: result(30).ts, label: 'good', who: 'a' });
    expect(store.labels.queue({ station: 'st1', limit: 3, passEvery: 10, unlabelledOnly: true }).map((i) => i.seq)).toEqual([21, 20, 14]);
    expect(store.labels.queue({ station: 'elsewhere', limit: 50, passEvery: 10 })).toEqual([]);
  });

  it('rejects without a saved image are not offered (nothing to judge them by)', async () => {
    const store = await open();
    store.record(result(1, { verdict: 'reject', score: 0.1 }));
    store.record(result(2, { verdict: 'error', score: null, error: { code: 'FRAME_DROPPED', message: 'dropped' } }));
    await store.drain();
    expect(store.labels.queue({ station: 'st1', limit: 10, passEvery: 1 })).toEqual([]);
  });

  it('isPassSample: every Nth seq, none for 0', () => {
    expect([0, 1, 10, 20, 25].map((s) => isPassSample(s, 10))).toEqual([true, false, true, true, false]);
    expect(isPassSample(10, 0)).toBe(false);
  });
});
