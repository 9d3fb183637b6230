/**
 * The shift view's JSON over a real store: totals per range and per shift, the trend in buckets,
 * the status badge, and reject images that are there when the newest reject is listed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionResult } from '../../src/events/types.js';
import { LiveState } from '../../src/web/live.js';
import { waitFor } from '../helpers/mosquitto.js';
import { req, result, startHarness, type Harness } from './harness.js';

const at = (s: string) => Date.parse(s);
const MIN = 60_000;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** seq i at ts; every 5th a reject, every 20th (offset 3) an error, every 20th (offset 13) a dropped frame. */
function part(seq: number, ts: number): InspectionResult {
  if (seq % 20 === 3) return result(seq, { ts, verdict: 'error', score: null, error: { code: 'MODEL_TIMEOUT', message: 'slow' } });
  if (seq % 20 === 13) return result(seq, { ts, verdict: 'error', score: null, error: { code: 'FRAME_DROPPED', message: 'queue full' } });
  return result(seq, { ts, ...(seq % 5 === 0 ? { verdict: 'reject', score: 0.1 } : {}) });
}

describe('shift view API', () => {
  it('totals for the last hour, this shift and today; the night shift across midnight; errors and drops apart', async () => {
    // Berlin, winter (UTC+1). Now: 01:30 local on the 16th, inside the night shift that began 22:00 on the 15th.
    const now = at('2026-01-16T00:30:00Z');
    h = await startHarness({ wallNow: () => now, dashboard: { timezone: 'Europe/Berlin' } });
    let seq = 0;
    // 40 parts in the late shift (15th, 20:00–20:39 local), 40 before midnight (23:00–23:39), 40 after (01:00–01:19).
    for (const start of [at('2026-01-15T19:00:00Z'), at('2026-01-15T22:00:00Z'), at('2026-01-16T00:00:00Z')]) {
      for (let i = 0; i < 40; i++) h.inspect(part(seq++, start + i * 30_000));
    }
    await h.store.drain();
    const s = (await req(h.url, '/api/shift')).json();
    expect(s.timezone).toBe('Europe/Berlin');
    expect(s.ranges.shift).toMatchObject({ name: 'night', start: at('2026-01-15T21:00:00Z'), end: at('2026-01-16T05:00:00Z') });
    // Per 40 parts: 8 rejects, 2 errors, 2 drops, 28 passes.
    expect(s.ranges.shift.counts).toEqual({ pass: 56, reject: 16, error: 4, dropped: 4 });
    expect(s.ranges.shift.rates).toMatchObject({ parts: 80, inspected: 72, yield_pct: 70, reject_pct: (100 * 16) / 72, error_pct: 10 });
    // Today began at local midnight (23:00 UTC): only the last 40.
    expect(s.ranges.today).toMatchObject({ name: 'today', start: at('2026-01-15T23:00:00Z'), counts: { pass: 28, reject: 8, error: 2, dropped: 2 } });
    // The last hour: 23:31 UTC .. 00:30 UTC inclusive → the 40 after midnight.
    expect(s.ranges.hour.counts).toEqual({ pass: 28, reject: 8, error: 2, dropped: 2 });
    expect(s.shifts.map((x: any) => [x.name, x.current, x.rates.parts])).toEqual([
      ['night', true, 80], ['late', false, 40], ['early', false, 0], ['night', false, 0], ['late', false, 0], ['early', false, 0],
    ]);
    for (let i = 1; i < s.shifts.length; i++) expect(s.shifts[i].end).toBe(s.shifts[i - 1].start);
  });

  it('rolls over at the shift start: the parts before it stay with the shift that ended', async () => {
    let now = at('2026-01-15T13:59:30Z'); // UTC zone: 13:59:30, the early shift's last minute
    h = await startHarness({ wallNow: () => now, dashboard: { timezone: 'UTC' } });
    for (let i = 0; i < 10; i++) h.inspect(part(i + 1, at('2026-01-15T13:59:00Z') + i * 1000));
    await h.store.drain();
    expect((await req(h.url, '/api/shift')).json().ranges.shift).toMatchObject({ name: 'early', counts: { pass: 7, reject: 2, error: 1 } });
    now = at('2026-01-15T14:00:05Z');
    h.inspect(part(21, at('2026-01-15T14:00:01Z')));
    await h.store.drain();
    const s = (await req(h.url, '/api/shift')).json();
    expect(s.ranges.shift).toMatchObject({ name: 'late', counts: { pass: 1, reject: 0 } });
    expect(s.shifts[1]).toMatchObject({ name: 'early', current: false, counts: { pass: 7, reject: 2, error: 1 } });
  });

  it('trend: buckets of a size people read, from the range start; only buckets with parts', async () => {
    const now = at('2026-01-15T10:00:00Z');
    h = await startHarness({ wallNow: () => now, dashboard: { timezone: 'UTC' } });
    for (let i = 0; i < 30; i++) h.inspect(part(i + 1, at('2026-01-15T07:00:00Z') + i * MIN)); // 07:00–07:29, one a minute
    for (let i = 0; i < 5; i++) h.inspect(part(100 + i, now - 5 * MIN + i * MIN)); // 09:55–09:59
    await h.store.drain();
    const shift = (await req(h.url, '/api/trend?range=shift')).json();
    expect(shift).toMatchObject({ range: 'shift', name: 'early', start: at('2026-01-15T06:00:00Z'), end: at('2026-01-15T14:00:00Z'), bucket_min: 10, timezone: 'UTC' });
    expect(shift.buckets.map((b: any) => [new Date(b.ts).toISOString().slice(11, 16), b.pass + b.reject + b.error + b.dropped])).toEqual([
      ['07:00', 10], ['07:10', 10], ['07:20', 10], ['09:50', 5],
    ]);
    const hour = (await req(h.url, '/api/trend?range=hour')).json();
    expect(hour).toMatchObject({ bucket_min: 1, start: now - 59 * MIN, end: now + MIN });
    expect(hour.buckets).toHaveLength(5);
    expect((await req(h.url, '/api/trend?range=today')).json().bucket_min).toBe(30);
    const bad = await req(h.url, '/api/trend?range=week');
    expect(bad.status).toBe(400);
    expect(bad.json().error).toBe('range must be one of hour, shift, today');
  });

  it('the badge turns red when the reject rate over the window leaves its band, and names why in plain words', async () => {
    const now = at('2026-01-15T10:00:00Z');
    h = await startHarness({ wallNow: () => now, dashboard: { timezone: 'UTC', bands: { window_min: 10, min_parts: 20, reject_rate_pct: { amber: 10, red: 20 } } } });
    for (let i = 0; i < 10; i++) h.inspect(part(i * 5 + 1, now - 9 * MIN)); // 10 passes
    await h.store.drain();
    let s = (await req(h.url, '/api/shift')).json();
    expect(s.badge).toMatchObject({ level: 'quiet', reasons: ['10 parts in the last 10 min: too few to judge (at least 20)'] });
    for (let i = 0; i < 10; i++) h.inspect(part(i * 5 + 100, now - 2 * MIN)); // 10 rejects (seq multiple of 5)
    await h.store.drain();
    s = (await req(h.url, '/api/shift')).json();
    expect(s.bands.reject).toEqual({ amber: 10, red: 20, from: 'config' });
    expect(s.badge).toMatchObject({ level: 'red', reasons: ['Reject rate 50 % in the last 10 min (normal: under 10 %)'] });
  });

  it('lists the newest reject with its image as soon as the JPEG is written, before its row is committed', async () => {
    // Rows wait a minute in memory here: only the live entry can know the image.
    h = await startHarness({ flushMs: 60_000, publicUrl: 'http://line-7.plant:8080/' });
    const r = result(42, { verdict: 'reject', score: 0.1 });
    h.inspect(r, { pixels: new Uint8Array(32 * 24).fill(90), width: 32, height: 24, channels: 1, map: null, seq: 42, ts: r.ts, verdict: 'reject' });
    await waitFor(() => h!.store.stats().images_saved === 1, 'image written');
    expect(h.store.recent(1)).toEqual([]);
    const [newest] = (await req(h.url, '/api/rejects?limit=5')).json().rejects;
    expect(newest).toMatchObject({ seq: 42, image_pending: false, image_path: expect.stringMatching(/^\d{4}-\d{2}-\d{2}\/42-\d+\.jpg$/) });
    expect(newest.image_url).toBe(`http://line-7.plant:8080/images/${newest.image_path}`);
    expect((await req(h.url, `/images/${newest.image_path}`)).status).toBe(200);
    expect((await req(h.url, '/api/state')).json().latest).toMatchObject({ seq: 42, image_path: newest.image_path, image_url: newest.image_url });
  });

  it('a reject whose image is being written says so, then carries the path, or says it was not saved', () => {
    const live = new LiveState(10);
    const none = { recent: () => [] };
    const a = result(1, { verdict: 'reject', score: 0.1 });
    const b = result(2, { verdict: 'reject', score: 0.1 });
    live.add(a, true);
    live.add(b, true);
    expect(live.recentRejects(none, 't1', 5).map((r) => [r.seq, r.image_pending, r.image_path])).toEqual([[2, true, null], [1, true, null]]);
    live.imageSaved({ seq: 1, ts: a.ts, path: 'd/1.jpg' });
    live.imageSaved({ seq: 2, ts: b.ts, path: null }); // quota 0, paused, or the encode failed
    expect(live.recentRejects(none, 't1', 5).map((r) => [r.seq, r.image_pending, r.image_path])).toEqual([[2, false, null], [1, false, 'd/1.jpg']]);
    expect(live.takeBatch().images).toEqual([{ seq: 1, ts: a.ts, image_path: 'd/1.jpg' }, { seq: 2, ts: b.ts, image_path: null }]);
    expect(live.latest).toMatchObject({ seq: 2, image_path: null });
  });
});
