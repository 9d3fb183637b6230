import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCard, postJson, req, result, sample, startHarness, writeClientDir, type Harness } from './harness.js';

describe('web server (real bus, real SQLite store, real command handler)', () => {
  let h: Harness;
  let clientRoot: string;

  beforeAll(async () => {
    clientRoot = mkdtempSync(join(tmpdir(), 'inspectd-web-client-'));
    h = await startHarness({
      stallS: 10,
      card: loadCard({ good_only_rule: { kind: 'quantile_margin', q: 0.5, margin: 0.1 } }),
      web: { clientDir: writeClientDir(clientRoot), sse: { maxClients: 2 } },
    });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(clientRoot, { recursive: true, force: true });
  });

  it('binds to loopback and serves the page with its station and no external resource', async () => {
    expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await req(h.url, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.text).toContain('inspectd <span id="station">t1</span>');
    expect(r.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    const css = await req(h.url, '/static/app.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  it('serves the compiled front end and nothing else from its folder', async () => {
    const js = await req(h.url, '/static/main.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(js.text).toContain('hello');
    for (const p of ['/static/../harness.ts', '/static/%2e%2e/x.js', '/static/..%2fx.js', '/static/notes.txt', '/static/nope.js']) {
      const r = await req(h.url, p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
    }
  });

  it('/healthz: 503 before the first decision, 200 while deciding, 503 with the reason after a stall', async () => {
    h.setLastDecision(null);
    let r = await req(h.url, '/healthz');
    expect(r.status).toBe(503);
    expect(r.json()).toMatchObject({ ok: false, reason: 'starting: no frame decided yet' });
    h.setLastDecision(performance.now());
    r = await req(h.url, '/healthz');
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ ok: true, station: 't1', stall_s: 10 });
    h.setLastDecision(performance.now() - 10_500);
    r = await req(h.url, '/healthz');
    expect(r.status).toBe(503);
    expect(r.json().reason).toMatch(/^no frame decided for 10\.\d s \(stall_s 10\)$/);
    h.setLastDecision(performance.now());
  });

  it('/metrics: own registry with counters, stage histograms, model info and gauges read at scrape time', async () => {
    const before = await req(h.url, '/metrics');
    expect(before.status).toBe(200);
    expect(before.headers['content-type']).toContain('text/plain');
    const f0 = sample(before.text, 'inspectd_frames_total') ?? 0;
    const inf0 = sample(before.text, 'inspectd_stage_duration_seconds_count', { stage: 'infer' }) ?? 0;
    h.inspect(result(1001, { score: 0.9 }));
    h.inspect(result(1002, { score: 0.2, verdict: 'reject', latency_ms: 30 }));
    h.inspect(result(1003, { score: null, verdict: 'error', error: { code: 'FRAME_DECODE', message: 'bad jpeg' } }));
    const m = (await req(h.url, '/metrics')).text;
    expect(sample(m, 'inspectd_frames_total', { station: 't1' })).toBe(f0 + 3);
    expect(sample(m, 'inspectd_rejects_total')).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'inspectd_errors_total')).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'inspectd_dropped_frames_total')).toBe(3); // from stats().dropped
    expect(sample(m, 'inspectd_reject_pulses_merged_total')).toBe(7); // from stats().plc.merged
    // Error frames' partial stage times are kept out of the stage histograms, not out of capture→decision.
    expect(sample(m, 'inspectd_stage_duration_seconds_count', { stage: 'infer' })).toBe(inf0 + 2);
    expect(sample(m, 'inspectd_stage_duration_seconds_bucket', { stage: 'infer', le: '0.005' })).toBe(0); // 6 ms each
    expect(sample(m, 'inspectd_stage_duration_seconds_bucket', { stage: 'infer', le: '0.01' })).toBe(inf0 + 2); // 6 ms
    expect(sample(m, 'inspectd_capture_to_decision_seconds_bucket', { le: '0.02' })! + 1).toBe(sample(m, 'inspectd_capture_to_decision_seconds_bucket', { le: '0.05' })); // the 30 ms one
    expect(sample(m, 'inspectd_model_info', { name: 'tiny_gray', variant: 'fp32', score_rule: 'ssim_mean' })).toBe(1);
    expect(sample(m, 'inspectd_mqtt_connected')).toBe(1);
    expect(sample(m, 'inspectd_ready')).toBe(1);
    expect(sample(m, 'inspectd_threshold')).toBe(h.controls.threshold);
    expect(sample(m, 'inspectd_outbox_pending')).toBe(0);
    expect(sample(m, 'inspectd_store_queue_rows')).toBeGreaterThanOrEqual(0);
    expect(sample(m, 'inspectd_last_score')).toBe(0.2); // the last frame was an error: the last score stays
    expect(m).not.toContain('process_cpu'); // processMetrics off here; nothing leaked from a global registry
  });

  it('threshold preview counts the recent parts the proposed threshold would reject', async () => {
    for (const [i, s] of [0.5, 0.6, 0.7, 0.8, 0.9].entries()) h.inspect(result(2000 + i, { score: s, verdict: s < 0.5 ? 'reject' : 'pass' }));
    const all = (await req(h.url, '/api/histogram?bins=20')).json();
    const n0 = all.current.n;
    const r = await req(h.url, '/api/histogram?threshold=0.75&bins=20');
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body.threshold).toBe(0.5);
    expect(body.histogram.counts).toHaveLength(20);
    expect(body.histogram.counts.reduce((a: number, b: number) => a + b, 0)).toBe(body.histogram.n);
    // Every score so far: 0.9, 0.2, error (from the metrics test) and 0.5…0.9 here.
    expect(n0).toBe(8);
    expect(body.proposed).toEqual({ threshold: 0.75, n: 8, below: 4, errors: 1, rejected: 5 }); // 0.2 0.5 0.6 0.7 + the error
    expect(body.current).toEqual({ n: 8, below: 1, errors: 1, rejected: 2 });
    for (const q of ['threshold=2', 'threshold=abc', 'threshold=', 'bins=0', 'bins=1.5', 'threshold=0x1', 'threshold=%200.5%20', 'threshold=1e-400', 'threshold=Infinity', 'bins=0x10', 'bins=%2010']) {
      const bad = await req(h.url, `/api/histogram?${q}`);
      expect(bad.status, q).toBe(400);
      expect(bad.json().error).toMatch(/threshold|bins/);
    }
  });

  it('applies a threshold through the command handler: SQLite row with who, controls changed', async () => {
    const n = h.commands.length;
    const r = await postJson(h.url, '/api/threshold', { value: 0.4242, who: 'alice', reason: 'new batch of castings' });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ ok: true, old: 0.5, value: 0.4242, threshold: 0.4242 });
    expect(h.controls.threshold).toBe(0.4242);
    expect(h.commands.slice(n)).toEqual([{ name: 'threshold', payload: { value: 0.4242, who: 'alice', reason: 'new batch of castings' } }]);
    const db = new Database(h.database, { readonly: true });
    const row = db.prepare('SELECT * FROM threshold_changes ORDER BY id DESC LIMIT 1').get() as Record<string, unknown>;
    db.close();
    expect(row).toMatchObject({ station: 't1', old: 0.5, new: 0.4242, who: 'alice', reason: 'new batch of castings' });
    const log = (await req(h.url, '/api/threshold-changes?limit=1')).json();
    expect(log.changes[0]).toMatchObject({ who: 'alice', new: 0.4242 });
    expect((await req(h.url, '/api/state')).json().threshold).toBe(0.4242);
  });

  it.each([
    [{ value: 2 }, 400, 'value must be between -1 and 1'],
    [{ value: '0.5x' }, 400, 'value must be a number'],
    [{}, 400, 'value must be a number'],
    [{ value: 0.5, who: 'x'.repeat(65) }, 400, 'who must be at most 64 characters'],
    [{ value: 0.5, who: 'a\nb' }, 400, 'who must not contain control characters'],
    ['{"value": 0.5', 400, 'invalid JSON'],
    ['[0.5]', 400, 'body must be a JSON object'],
    [JSON.stringify({ value: 0.5, pad: 'x'.repeat(20_000) }), 413, 'body too large'],
  ])('refuses the threshold body %j with %i and applies nothing', async (body, status, msg) => {
    const n = h.commands.length;
    const before = h.controls.threshold;
    const r = await postJson(h.url, '/api/threshold', body);
    expect(r.status).toBe(status);
    expect(r.json().error).toContain(msg);
    expect(h.commands.length).toBe(n);
    expect(h.controls.threshold).toBe(before);
  });

  it('refuses a POST that is not JSON or comes from another origin', async () => {
    const form = await req(h.url, '/api/threshold', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'value=0.1' });
    expect(form.status).toBe(415);
    const cross = await postJson(h.url, '/api/threshold', { value: 0.1 }, { Origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    const rebind = await req(h.url, '/api/state', { headers: { Host: 'evil.example:8080' } });
    expect(rebind.status).toBe(403);
    expect(h.controls.threshold).not.toBe(0.1);
    expect((await req(h.url, '/api/threshold')).status).toBe(405);
    expect((await req(h.url, '/nope')).status).toBe(404);
  });

  it('calibration: records the next N good parts, proposes with the card rule, applies via the command handler', async () => {
    expect((await postJson(h.url, '/api/calibration/start', { n: 3 })).status).toBe(400);
    expect((await postJson(h.url, '/api/calibration/start', {})).json().error).toContain('n (the number of good parts to record) is required');
    const s = await postJson(h.url, '/api/calibration/start', { n: 5 });
    expect(s.status).toBe(200);
    expect(s.json()).toMatchObject({ state: 'recording', target: 5, count: 0, rule: 'quantile(good, 0.5) - 0.1' });
    for (const [i, v] of [0.91, 0.95].entries()) h.inspect(result(3000 + i, { score: v }));
    expect((await req(h.url, '/api/calibration')).json()).toMatchObject({ state: 'recording', count: 2 });
    const early = await postJson(h.url, '/api/calibration/apply', {});
    expect(early.status).toBe(409);
    h.inspect(result(3002, { score: null, verdict: 'error', error: { code: 'FRAME_DECODE', message: 'x' } }));
    for (const [i, v] of [0.93, 0.97, 0.99, 0.5].entries()) h.inspect(result(3003 + i, { score: v }));
    const c = (await req(h.url, '/api/calibration?bins=10')).json();
    // Five good scores 0.91 0.95 0.93 0.97 0.99 (the error skipped, the sixth after the end ignored): median 0.95 − 0.1.
    expect(c).toMatchObject({ state: 'done', count: 5, skipped: 1, proposed_rejects: 0 });
    expect(c.proposed).toBeCloseTo(0.85, 12);
    expect(c.histogram.counts.reduce((a: number, b: number) => a + b, 0)).toBe(5);
    const n = h.commands.length;
    const a = await postJson(h.url, '/api/calibration/apply', { who: 'bob' });
    expect(a.status).toBe(200);
    expect(h.commands[n]).toMatchObject({ name: 'threshold', payload: { who: 'dashboard-calibration' } });
    expect(h.commands[n].payload.value).toBeCloseTo(0.85, 12);
    expect(h.controls.threshold).toBeCloseTo(0.85, 12);
    const db = new Database(h.database, { readonly: true });
    const row = db.prepare('SELECT * FROM threshold_changes ORDER BY id DESC LIMIT 1').get() as Record<string, any>;
    db.close();
    expect(row.who).toBe('dashboard-calibration');
    expect(row.new).toBeCloseTo(0.85, 12);
    expect(row.reason).toBe('calibration: 5 good parts, quantile(good, 0.5) - 0.1, by bob');
  });

  it('renders the latest frame beside its SSIM heatmap as a JPEG', async () => {
    const none = await req(h.url, '/api/frame.jpg');
    expect(none.status).toBe(404);
    const w = 32;
    const hgt = 24;
    const map = new Float32Array(w * hgt).fill(1);
    for (let y = 0; y < hgt; y++) for (let x = 16; x < w; x++) map[y * w + x] = 0; // right half fully different
    h.setLatest({ result: result(4000, { verdict: 'reject', score: 0.3 }), pixels: new Uint8Array(w * hgt).fill(128), width: w, height: hgt, channels: 1, map });
    const r = await req(h.url, '/api/frame.jpg');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/jpeg');
    expect(r.headers['x-seq']).toBe('4000');
    expect(r.headers['x-heatmap']).toBe('true');
    const { data, info } = await sharp(r.body).raw().toBuffer({ resolveWithObject: true });
    // ×4 upscale: two 128×96 panels and the 4 px gap.
    expect([info.width, info.height]).toEqual([260, 96]);
    const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    const [lr, lg, lb] = px(100, 48); // left panel: plain grey
    expect(Math.abs(lr - 128) + Math.abs(lg - 128) + Math.abs(lb - 128)).toBeLessThan(30);
    const [hr, hg] = px(132 + 100, 48); // heat panel, right half: red
    expect(hr).toBeGreaterThan(200);
    expect(hg).toBeLessThan(60);
    const [nr, ng] = px(132 + 20, 48); // heat panel, left half (SSIM 1): unchanged grey
    expect(Math.abs(nr - ng)).toBeLessThan(20);
  });

  it('lists recent rejects with their saved images and serves those images, refusing traversal', async () => {
    const img = { pixels: new Uint8Array(32 * 24).fill(90), width: 32, height: 24, channels: 1 as const, map: null, seq: 5000, ts: result(5000).ts, verdict: 'reject' as const };
    h.inspect(result(5000, { score: 0.1, ssim: 0.27, verdict: 'reject' }), img);
    await h.store.drain();
    const list = (await req(h.url, '/api/rejects?limit=50')).json().rejects as Array<Record<string, any>>;
    const mine = list.find((x) => x.seq === 5000)!;
    expect(mine).toMatchObject({ verdict: 'reject', score: 0.1, score_rule: 'combo', ssim: 0.27 });
    expect(mine.image_path).toMatch(/^\d{4}-\d{2}-\d{2}\/5000-\d+\.jpg$/);
    expect(list.some((x) => x.seq === 1003 && x.verdict === 'error' && x.error.code === 'FRAME_DECODE')).toBe(true);
    expect(list.every((x) => x.verdict !== 'pass')).toBe(true);
    const got = await req(h.url, `/images/${mine.image_path}`);
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(got.body).metadata()).format).toBe('jpeg');

    writeFileSync(join(h.dir, 'secret.jpg'), 'TOP SECRET');
    mkdirSync(join(h.imagesDir, 'd'), { recursive: true });
    symlinkSync(join(h.dir, 'secret.jpg'), join(h.imagesDir, 'd', 'link.jpg'));
    for (const p of ['/images/../secret.jpg', '/images/%2e%2e/secret.jpg', '/images/..%2fsecret.jpg', '/images/d/..%2f..%2fsecret.jpg', '/images/d/link.jpg', `/images/${encodeURIComponent(join(h.dir, 'secret.jpg'))}`, '/images/..%5csecret.jpg', '/images/../inspectd.db']) {
      const r = await req(h.url, p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.text, p).not.toContain('TOP SECRET');
    }
    expect((await req(h.url, '/api/rejects?limit=0')).status).toBe(400);
  });

});
