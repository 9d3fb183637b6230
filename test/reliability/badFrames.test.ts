/**
 * Bad frames through the built daemon: a replay folder where good castings alternate with a
 * zero-byte .jpg, a truncated JPEG, random bytes named .png, a 37×91 RGB PNG and a 10000×10000
 * PNG. Each bad one must become a row with verdict `error` and an error code (published as
 * result + alert, and a reject pulse under the default on_error: reject) while the daemon goes
 * on; the merely small image is resized and inspected like any other frame.
 *
 * model.threshold is -1 so every decodable frame passes (the untrained fixture would otherwise
 * reject everything): the reject pulses in the sim log are then exactly the error frames.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, readSimLog, rises, runDaemon, sampleFiles, tempDir, withDb, writeConfig, settles } from './daemon.js';

/** File name → what the daemon must make of it (error code, or null = inspected normally). */
const FRAMES: Array<[string, string | null]> = [
  ['a01_good.jpeg', null],
  ['a02_zero.jpg', 'FRAME_EMPTY'],
  ['a03_good.jpeg', null],
  ['a04_truncated.jpg', 'FRAME_DECODE'],
  ['a05_good.jpeg', null],
  ['a06_random.png', 'FRAME_DECODE'],
  ['a07_good.jpeg', null],
  ['a08_small_37x91.png', null],
  ['a09_good.jpeg', null],
  ['a10_huge_10000x10000.png', 'FRAME_TOO_LARGE'],
  ['a11_good.jpeg', null],
];

describe('bad frames become verdict error; the daemon goes on (built daemon, real mosquitto, SQLite, sim GPIO)', () => {
  const t = tempDir('badframes');
  let broker: Broker;
  let sub: Awaited<ReturnType<typeof subscriber>>;
  let run: Awaited<ReturnType<typeof runDaemon>>;
  type Row = { seq: number; source: string; verdict: string; error_code: string | null; error_message: string | null; score: number | null; ssim: number | null; ts: number };
  let rows: Row[] = [];

  beforeAll(async () => {
    const dir = join(t.dir, 'frames');
    mkdirSync(dir);
    const good = sampleFiles();
    const real = readFileSync(good[0]);
    for (const [i, [name]] of FRAMES.entries()) {
      const to = join(dir, name);
      if (name.includes('good')) copyFileSync(good[i % good.length], to);
      else if (name.includes('zero')) writeFileSync(to, Buffer.alloc(0));
      else if (name.includes('truncated')) writeFileSync(to, real.subarray(0, Math.floor(real.length / 2)));
      else if (name.includes('random')) writeFileSync(to, randomBytes(4096));
      else if (name.includes('small')) await sharp({ create: { width: 37, height: 91, channels: 3, background: '#7a5030' } }).png().toFile(to);
      else if (name.includes('huge')) await sharp({ create: { width: 10000, height: 10000, channels: 3, background: '#888' } }).png({ compressionLevel: 9 }).toFile(to);
    }
    broker = await startMosquitto();
    sub = await subscriber(broker.url, ['rel/st-bad/result', 'rel/st-bad/alert', 'rel/st-bad/status']);
    const cfg = writeConfig(join(t.dir, 'config.yaml'), {
      station: 'st-bad',
      // 10 fps and 5 ms pulses: one distinct pulse per rejected part (no merging of overlapping pulses).
      camera: { source: 'replay', path: dir, fps: 10, loop: false, queue: 64 },
      model: { path: FIXTURE_MODEL, threshold: -1 },
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 5, strobe_ms: 1 },
      storage: { database: 'inspectd.db', images: 'images' },
      mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60 },
      http: { enabled: false },
    });
    run = await runDaemon(['run', '--config', cfg], { limitMs: 45_000 });
    await waitFor(() => sub.on('rel/st-bad/status').some((m) => m.payload === 'offline'), 'status offline', 10_000).catch(() => undefined);
    // Results and alerts may trail the offline status: until one result per frame and one alert per bad frame.
    await settles(() => sub.on('rel/st-bad/result').length >= FRAMES.length && sub.on('rel/st-bad/alert').length >= FRAMES.filter(([, c]) => c).length, 10_000);
    rows = withDb(join(t.dir, 'inspectd.db'), (db) => db.prepare('SELECT seq, source, verdict, error_code, error_message, score, ssim, ts FROM inspections ORDER BY seq').all() as Row[]);
  }, 60_000);

  afterAll(async () => {
    await sub?.close();
    await broker?.close();
    t.cleanup();
  });

  it('goes on after every bad frame and exits 0', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(rows.map((r) => r.source)).toEqual(FRAMES.map(([n]) => n));
    expect(rows.map((r) => r.seq)).toEqual(FRAMES.map((_, i) => i + 1));
    const last = run.logs.filter((l) => l.msg === 'stopped').at(-1) as { inspected: number; errors: number } | undefined;
    expect(last?.inspected).toBe(FRAMES.length);
    expect(last?.errors).toBe(FRAMES.filter(([, c]) => c).length);
  });

  it('each bad frame is a row with verdict error and its error code; the small image is resized and inspected', () => {
    for (const [i, [name, code]] of FRAMES.entries()) {
      const r = rows[i];
      if (code) {
        expect({ name, verdict: r.verdict, code: r.error_code, score: r.score, ssim: r.ssim }).toEqual({ name, verdict: 'error', code, score: null, ssim: null });
        expect(r.error_message).toBeTruthy();
      } else {
        expect({ name, verdict: r.verdict, code: r.error_code }).toEqual({ name, verdict: 'pass', code: null });
        expect(typeof r.score).toBe('number');
      }
    }
  });

  it('publishes a result for every frame and an alert (with the error) for every bad one', () => {
    const results = sub.on('rel/st-bad/result').map((m) => JSON.parse(m.payload));
    const alerts = sub.on('rel/st-bad/alert').map((m) => JSON.parse(m.payload));
    expect(results.map((r) => r.seq)).toEqual(rows.map((r) => r.seq));
    const errs = rows.filter((r) => r.verdict === 'error');
    expect(alerts.map((a) => a.seq)).toEqual(errs.map((r) => r.seq));
    for (const [i, a] of alerts.entries()) {
      expect(a.verdict).toBe('error');
      expect(a.error.code).toBe(errs[i].error_code);
    }
  });

  it('pulses the simulated reject line once per error (on_error: reject), never before the capture', () => {
    const changes = readSimLog(join(t.dir, 'gpio.jsonl'));
    const pulses = rises(changes, 'reject');
    const errs = rows.filter((r) => r.verdict === 'error');
    expect(pulses.length).toBe(errs.length);
    // Pulse i belongs to error i: after its capture, before the next error's capture.
    pulses.forEach((p, i) => {
      expect(p.t).toBeGreaterThanOrEqual(errs[i].ts - 1);
      if (errs[i + 1]) expect(p.t).toBeLessThan(errs[i + 1].ts);
    });
    expect(rises(changes, 'result_valid').length).toBe(FRAMES.length);
  });
});
