/**
 * Every frame taken from the camera leaves a trace (built daemon, real mosquitto, SQLite, sim
 * GPIO): a paced replay much faster than the pipeline (large frames at 1000 fps, one worker, queue of 1;
 * at 200 fps the area pixel path kept up on an idle box and nothing dropped)
 * makes the capture queue drop frames. Each dropped frame must still get a row (verdict error,
 * FRAME_DROPPED, its own seq and capture time), an MQTT result, and its reject.
 *
 * model.threshold is -1, so every frame that is really inspected passes: the PLC's reject requests
 * are then exactly the error rows. With travel_ms 0 a reject either starts a pulse or folds into
 * the one on the line (a merged pulse ejects both parts), so requests = pulses + merges.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, readSimLog, rises, runDaemon, sampleFiles, tempDir, withDb, writeConfig } from './daemon.js';

const N = 40;

describe('frames dropped by the full queue get a row, an MQTT result and a reject (built daemon)', () => {
  const t = tempDir('drops');
  let broker: Broker;
  let sub: Awaited<ReturnType<typeof subscriber>>;
  let run: Awaited<ReturnType<typeof runDaemon>>;
  type Row = { seq: number; ts: number; source: string; verdict: string; error_code: string | null; latency_ms: number };
  let rows: Row[] = [];
  let plc: Record<string, number>;
  let camera: Record<string, number>;

  beforeAll(async () => {
    const dir = join(t.dir, 'frames');
    mkdirSync(dir);
    const src = sampleFiles();
    // 2000×2000 JPEGs: decoding and resizing each takes far longer than the 1 ms frame period.
    for (let i = 0; i < N; i++) await sharp(src[i % src.length]).resize(2000, 2000).jpeg({ quality: 90 }).toFile(join(dir, `f${String(i + 1).padStart(3, '0')}.jpeg`));
    broker = await startMosquitto();
    sub = await subscriber(broker.url, ['rel/st-drop/result']);
    const cfg = writeConfig(join(t.dir, 'config.yaml'), {
      station: 'st-drop',
      camera: { source: 'replay', path: dir, fps: 1000, loop: false, queue: 1 },
      model: { path: FIXTURE_MODEL, threshold: -1, workers: 1 },
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', travel_ms: 0, pulse_ms: 1, strobe_ms: 1, stall_ms: 60000 },
      storage: { database: 'inspectd.db', images: 'images', save_images: 'none' },
      mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60 },
      http: { enabled: false },
    });
    run = await runDaemon(['run', '--config', cfg], { limitMs: 60_000 });
    rows = withDb(join(t.dir, 'inspectd.db'), (db) => db.prepare('SELECT seq, ts, source, verdict, error_code, latency_ms FROM inspections ORDER BY id').all() as Row[]);
    const last = run.logs.filter((l) => l.msg === 'stats').at(-1) as { plc: Record<string, number>; camera: Record<string, number> };
    plc = last.plc;
    camera = last.camera;
    await waitFor(() => sub.on('rel/st-drop/result').length >= rows.length, 'a result per row', 10_000).catch(() => {});
  }, 90_000);

  afterAll(async () => {
    await sub?.close();
    await broker?.close();
    t.cleanup();
  });

  it('the replay ran to its end and the queue did drop frames (the premise of this test)', () => {
    expect(run.code).toBe(0);
    expect(camera.captured).toBe(N);
    expect(camera.dropped).toBeGreaterThan(0);
  });

  it('one row per frame taken, in seq order; the dropped ones are error FRAME_DROPPED with their own capture data', () => {
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    const dropped = rows.filter((r) => r.error_code === 'FRAME_DROPPED');
    expect(dropped).toHaveLength(camera.dropped);
    for (const r of rows) {
      if (r.error_code === 'FRAME_DROPPED') expect(r.verdict).toBe('error');
      else expect([r.verdict, r.error_code]).toEqual(['pass', null]);
      expect(r.source).toBe(`f${String(r.seq).padStart(3, '0')}.jpeg`);
      expect(r.latency_ms).toBeGreaterThanOrEqual(0);
    }
    // Capture times come from the camera, in order: a drop is stamped when it was taken, not when decided.
    for (let i = 1; i < rows.length; i++) expect(rows[i].ts).toBeGreaterThanOrEqual(rows[i - 1].ts);
  });

  it('published an MQTT result for every row, dropped ones included', () => {
    const results = sub.on('rel/st-drop/result').map((m) => JSON.parse(m.payload) as { seq: number; verdict: string; error?: { code: string } });
    expect(results.map((r) => r.seq)).toEqual(rows.map((r) => r.seq));
    for (const [i, r] of results.entries()) expect([r.verdict, r.error?.code ?? null]).toEqual([rows[i].verdict, rows[i].error_code]);
  });

  it('every FRAME_DROPPED part was rejected: one reject request each, each a pulse or folded into one', () => {
    const errors = rows.filter((r) => r.verdict === 'error').length;
    expect(plc.rejected).toBe(errors);
    expect(plc.missed).toBe(0);
    expect(plc.pulses + plc.merged).toBe(plc.rejected);
    const sim = readSimLog(join(t.dir, 'gpio.jsonl'));
    expect(rises(sim, 'reject')).toHaveLength(plc.pulses);
    expect(rises(sim, 'result_valid').length).toBeGreaterThan(0);
    expect(plc.decided).toBe(N);
  });
});
