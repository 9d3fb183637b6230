/**
 * The review routes on the real web server: the queue lists rejects (and sampled passes) that
 * have an image, POST /api/labels validates every field with an error naming it, writes SQLite,
 * and obeys the token and cross-site rules like every other write; the threshold preview and the
 * calibration view report the labelled parts' false-reject and miss rates.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionResult } from '../../src/events/types.js';
import { postJson, req, result, startHarness, type Harness } from './harness.js';

const image = (r: InspectionResult) => ({ pixels: new Uint8Array(32 * 24).fill(90), width: 32, height: 24, channels: 1 as const, map: null, seq: r.seq, ts: r.ts, verdict: r.verdict });

/** Parts as app.ts records them: rejects with images, every 5th pass with one (pass_every 5). */
async function feed(h: Harness, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) {
    const reject = seq % 3 === 0;
    const r = result(seq, { verdict: reject ? 'reject' : 'pass', score: reject ? 0.3 : 0.8, score_rule: 'ssim_mean' });
    h.inspect(r, reject || seq % 5 === 0 ? image(r) : undefined);
  }
  await h.store.drain();
}

const label = (h: Harness, body: unknown, headers: Record<string, string> = {}) => postJson(h.url, '/api/labels', body, headers);

describe('review queue and labels', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ passEvery: 5 });
    await feed(h, 1, 12);
  });
  afterAll(async () => h?.close());

  it('serves the review page and its stylesheet; the dashboard links to it', async () => {
    const page = await req(h.url, '/review');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('id="rv-list"');
    expect(page.text).toContain('src="/static/review.js"');
    expect((await req(h.url, '/static/review.css')).headers['content-type']).toMatch(/^text\/css/);
    expect((await req(h.url, '/')).text).toContain('href="/review"');
  });

  it('lists rejects and sampled passes with an image, newest first, in plain fields', async () => {
    const r = (await req(h.url, '/api/review')).json();
    expect(r.items.map((i: any) => [i.seq, i.kind])).toEqual([[12, 'reject'], [10, 'pass_sample'], [9, 'reject'], [6, 'reject'], [5, 'pass_sample'], [3, 'reject']]);
    expect(r.items[0]).toMatchObject({ ts: result(12).ts, verdict: 'reject', score: 0.3, threshold: 0.5, label: null });
    expect(r.items[0].image_path).toMatch(/^\d{4}-\d{2}-\d{2}\/12-\d+\.jpg$/);
    expect(r).toMatchObject({ counts: { good: 0, defect: 0 }, pass_every: 5, save_images: 'rejects' });
    expect((await req(h.url, `/images/${r.items[0].image_path}`)).status).toBe(200);
    expect((await req(h.url, '/api/review?limit=2')).json().items).toHaveLength(2);
  });

  it('marks a reject as a good part: 200, the row in SQLite with who and when, the queue shows it', async () => {
    const before = Date.now();
    const r = await label(h, { seq: 12, ts: result(12).ts, label: 'good', who: 'Anna (QA)' });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toMatchObject({ ok: true, changed: true, label: { seq: 12, label: 'good', who: 'Anna (QA)', verdict: 'reject' }, previous: null });
    const db = new Database(h.database, { readonly: true });
    const row = db.prepare('SELECT * FROM labels WHERE seq = 12').get() as Record<string, any>;
    db.close();
    expect(row).toMatchObject({ station: 't1', part_ts: result(12).ts, label: 'good', who: 'Anna (QA)', superseded_ts: null });
    expect(row.ts).toBeGreaterThanOrEqual(before);
    const q = (await req(h.url, '/api/review')).json();
    expect(q.items[0].label).toMatchObject({ label: 'good', who: 'Anna (QA)' });
    expect(q.counts).toEqual({ good: 1, defect: 0 });
    expect((await req(h.url, '/api/review?unlabelled=1')).json().items.map((i: any) => i.seq)).not.toContain(12);
  });

  it('relabelling replaces the label and keeps the history', async () => {
    const ts = result(9).ts;
    expect((await label(h, { seq: 9, ts, label: 'good', who: 'anna' })).status).toBe(200);
    const r = await label(h, { seq: 9, ts, label: 'defect', who: 'bert' });
    expect(r.json()).toMatchObject({ changed: true, label: { label: 'defect', who: 'bert' }, previous: { label: 'good', who: 'anna' } });
    const hist = (await req(h.url, `/api/labels?seq=9&ts=${ts}`)).json().history;
    expect(hist.map((l: any) => [l.label, l.superseded_ts === null])).toEqual([['defect', true], ['good', false]]);
    const list = (await req(h.url, '/api/labels')).json().labels;
    expect(list.filter((l: any) => l.seq === 9).map((l: any) => l.label)).toEqual(['defect']);
  });

  it.each([
    [{ ts: 1, label: 'good', who: 'a' }, 400, /^seq \(the part's number.*\) is required$/],
    [{ seq: 'twelve', ts: 1, label: 'good', who: 'a' }, 400, /^seq must be a number/],
    [{ seq: -1, ts: 1, label: 'good', who: 'a' }, 400, /^seq must be between 0 and/],
    [{ seq: 1.5, ts: 1, label: 'good', who: 'a' }, 400, /^seq must be an integer \(got 1\.5\)/],
    [{ seq: 12, label: 'good', who: 'a' }, 400, /^ts \(the part's capture time in ms.*\) is required$/],
    [{ seq: 12, ts: 'yesterday', label: 'good', who: 'a' }, 400, /^ts must be a number/],
    [{ seq: 12, ts: 1, label: 'ok', who: 'a' }, 400, /^label must be 'good' or 'defect' \(got "ok"\)$/],
    [{ seq: 12, ts: 1, who: 'a' }, 400, /^label must be 'good' or 'defect' \(got nothing\)$/],
    [{ seq: 12, ts: 1, label: 'good' }, 400, /^who \(your name\) is required/],
    [{ seq: 12, ts: 1, label: 'good', who: 'a\nb' }, 400, /^who /],
    [{ seq: 12, ts: 1, label: 'good', who: 'a', lable: 'x' }, 400, /^unknown field "lable"/],
    [{ seq: 999, ts: result(999).ts, label: 'good', who: 'a' }, 404, /^no part #999 inspected at ts \d+ on station t1/],
    [{ seq: 12, ts: result(12).ts + 1, label: 'good', who: 'a' }, 404, /^no part #12 inspected at ts/],
  ])('refuses %j with %i', async (body, status, msg) => {
    const r = await label(h, body);
    expect(r.status).toBe(status);
    expect(r.json()).toMatchObject({ ok: false });
    expect(r.json().error).toMatch(msg);
  });

  it('refuses a body that is not JSON, and bad query parameters, by name', async () => {
    const form = await req(h.url, '/api/labels', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'seq=1' });
    expect(form.status).toBe(415);
    const bad = await req(h.url, '/api/labels', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"seq":' });
    expect(bad.json().error).toMatch(/^invalid JSON/);
    expect((await req(h.url, '/api/review?limit=0')).json().error).toMatch(/^limit must be between 1 and 100/);
    expect((await req(h.url, '/api/review?unlabelled=yes')).json().error).toMatch(/^unlabelled must be 0 or 1/);
    expect((await req(h.url, '/api/labels?seq=1')).json().error).toMatch(/^ts must be a number/);
    expect((await req(h.url, '/api/labels', { method: 'DELETE' })).status).toBe(405);
  });

  it('the threshold preview and the calibration view carry the labelled parts\' false-reject and miss rates', async () => {
    // Labelled now: #12 good (score 0.3), #9 defect (0.3). Add #10 (pass, 0.8) as a defect that passes.
    await label(h, { seq: 10, ts: result(10).ts, label: 'defect', who: 'anna' });
    const at = (await req(h.url, '/api/histogram?threshold=0.5')).json().labelled;
    expect(at).toMatchObject({ threshold: 0.5, false_reject: { count: 1, n: 1, rate: 1 }, miss: { count: 1, n: 2, rate: 0.5 }, unscored: 0, other_rule: 0 });
    const low = (await req(h.url, '/api/histogram?threshold=0.2')).json().labelled;
    expect(low).toMatchObject({ false_reject: { count: 0, n: 1 }, miss: { count: 2, n: 2 } });
    expect((await req(h.url, '/api/calibration')).json().labelled).toBeNull(); // nothing proposed yet
  });
});

describe('review writes and the web auth', () => {
  let h: Harness;
  const auth = { Authorization: 'Bearer rev-token' };
  beforeAll(async () => {
    h = await startHarness({ token: 'rev-token' });
    await feed(h, 1, 3);
  });
  afterAll(async () => h?.close());

  it('without the token: the page, the queue and labelling answer 401 and nothing is written', async () => {
    for (const p of ['/review', '/api/review', '/api/labels', '/static/review.css']) expect((await req(h.url, p)).status, p).toBe(401);
    const r = await label(h, { seq: 3, ts: result(3).ts, label: 'good', who: 'mallory' });
    expect(r.status).toBe(401);
    expect((await label(h, { seq: 3, ts: result(3).ts, label: 'good', who: 'mallory' }, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect(h.store.labels.counts()).toEqual({ good: 0, defect: 0 });
  });

  it('a cross-site POST is refused even with the token cookie; with the bearer header it is written', async () => {
    const cross = await label(h, { seq: 3, ts: result(3).ts, label: 'good', who: 'x' }, { Cookie: 'inspectd_token=rev-token', Origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    expect(h.store.labels.counts()).toEqual({ good: 0, defect: 0 });
    const ok = await label(h, { seq: 3, ts: result(3).ts, label: 'good', who: 'carol' }, auth);
    expect(ok.status).toBe(200);
    expect(h.store.labels.counts()).toEqual({ good: 1, defect: 0 });
    expect((await req(h.url, '/api/review', { headers: auth })).json().items[0].label).toMatchObject({ who: 'carol' });
  });
});
