/**
 * The built daemon as a real process: replay folder in, and the three records of each part out —
 * the SQLite row, the MQTT messages a supervisor receives, and the simulated reject line the PLC
 * sees. They must agree part by part.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/daemon/main.js');
const MODEL = join(ROOT, 'models/casting-int8.onnx');
const SAMPLES = join(ROOT, 'samples/casting');
const TRAVEL = 300;

interface Run { code: number | null; stdout: string; stderr: string }
export function runCli(args: string[], timeoutMs = 90_000): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, NOTIFY_SOCKET: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => { child.kill('SIGKILL'); rej(new Error(`inspectd ${args[0]} did not exit in ${timeoutMs} ms\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.on('close', (code) => { clearTimeout(t); res({ code, stdout, stderr }); });
  });
}

describe('inspectd run (built CLI, real mosquitto, real SQLite, shipped model)', () => {
  let broker: Broker;
  let dir: string;
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  let sub: mqtt.MqttClient;
  let run: Run;

  beforeAll(async () => {
    broker = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'inspectd-proc-'));
    sub = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'proc-test-sub', reconnectPeriod: 200 });
    sub.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await new Promise<void>((r) => sub.once('connect', () => r()));
    await new Promise<void>((r, j) => sub.subscribe(['plant/#', 'homeassistant/#'], { qos: 1 }, (e) => (e ? j(e) : r())));
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, [
      'station: cell-7',
      // fps 0: the replay waits for the pipeline, so a loaded machine cannot drop frames here.
      `camera: { source: replay, path: "${SAMPLES}", fps: 0, loop: false }`,
      `model: { path: "${MODEL}", threshold: auto }`,
      // travel 300 ms: a loaded 2-core machine still decides in time, so no part is handled as late here.
      `gpio: { backend: sim, sim_log: gpio.jsonl, travel_ms: ${TRAVEL}, pulse_ms: 5, strobe_ms: 2 }`,
      'storage: { database: inspectd.db, images: images }',
      `mqtt: { url: "mqtt://127.0.0.1:${broker.port}", topic_prefix: plant, stats_interval_s: 1, ha_discovery: true }`,
      'http: { enabled: false }',
    ].join('\n'));
    run = await runCli(['run', '--config', cfg]);
    await waitFor(() => messages.some((m) => m.topic === 'plant/cell-7/status' && m.payload === 'offline'), 'status offline', 10_000);
  });

  afterAll(async () => {
    sub?.end(true);
    await broker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ends by itself after the last frame with exit 0', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('records one row per frame, in order, with the contract columns', () => {
    const db = new Database(join(dir, 'inspectd.db'), { readonly: true });
    const rows = db.prepare('SELECT id, ts, station, seq, source, score, score_rule, ssim, threshold, verdict, latency_ms, image_path FROM inspections ORDER BY seq').all() as Array<Record<string, any>>;
    db.close();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const r of rows) {
      expect(r.station).toBe('cell-7');
      expect(['pass', 'reject']).toContain(r.verdict);
      // score is what was compared with the threshold, by the card's rule (the default model's: combo).
      expect(r.score_rule).toBe('combo');
      expect(r.verdict === 'reject').toBe(r.score < r.threshold);
      // ssim is the mean SSIM only where one was computed: the combo rule reads none and its
      // heatmap is the head's map, so no row of this model claims one (before v4 the score sat here).
      expect(r.ssim).toBeNull();
      expect(r.latency_ms).toBeGreaterThan(0);
      if (r.verdict !== 'pass') expect(existsSync(join(dir, 'images', r.image_path))).toBe(true);
      else expect(r.image_path).toBeNull();
    }
    // Plumbing, not model quality (test/model/shipped.test.ts): the shipped model scores every
    // bundled defect below every good part, and the run saw both verdicts.
    const scored = rows.filter((r) => r.score !== null);
    const defects = scored.filter((r) => r.source.startsWith('cast_def')).map((r) => r.score);
    const goods = scored.filter((r) => !r.source.startsWith('cast_def')).map((r) => r.score);
    expect(Math.max(...defects)).toBeLessThan(Math.min(...goods));
    expect(rows.some((r) => r.verdict === 'reject') && rows.some((r) => r.verdict === 'pass')).toBe(true);
  });

  it('publishes a result per part and an alert per reject that match the rows', () => {
    const db = new Database(join(dir, 'inspectd.db'), { readonly: true });
    const rows = db.prepare('SELECT seq, score, score_rule, ssim, threshold, verdict, source FROM inspections ORDER BY seq').all() as Array<Record<string, any>>;
    db.close();
    const results = messages.filter((m) => m.topic === 'plant/cell-7/result').map((m) => JSON.parse(m.payload));
    const alerts = messages.filter((m) => m.topic === 'plant/cell-7/alert').map((m) => JSON.parse(m.payload));
    expect(results.map((r) => r.seq)).toEqual(rows.map((r) => r.seq));
    for (const [i, r] of results.entries()) {
      expect(r.verdict).toBe(rows[i].verdict);
      expect(r.score).toBeCloseTo(rows[i].score, 9);
      expect(r.score_rule).toBe(rows[i].score_rule);
      // The key is always there, null as in the row: it no longer carries the score.
      expect(r).toHaveProperty('ssim', rows[i].ssim);
      expect(rows[i].ssim).toBeNull();
      expect(r.threshold).toBe(rows[i].threshold);
      expect(r.source).toBe(rows[i].source);
      for (const k of ['ts', 'latency_ms']) expect(typeof r[k]).toBe('number');
    }
    expect(alerts.map((a) => a.seq)).toEqual(rows.filter((r) => r.verdict !== 'pass').map((r) => r.seq));
    const status = messages.filter((m) => m.topic === 'plant/cell-7/status').map((m) => m.payload);
    expect(status[0]).toBe('online');
    expect(status.at(-1)).toBe('offline');
  });

  it('announces itself to Home Assistant with retained discovery configs tied to the status topic', () => {
    const configs = messages.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config'));
    expect(configs.map((m) => m.topic.split('/')[1]).sort()).toEqual(['binary_sensor', 'number', 'select', 'sensor', 'sensor', 'sensor', 'sensor', 'sensor', 'sensor', 'switch']);
    for (const m of configs) {
      const c = JSON.parse(m.payload);
      expect(JSON.stringify(c)).toContain('plant/cell-7/');
      expect(c.unique_id).toBeTruthy();
    }
    // The score sensor reads the decision score, which every result carries (ssim is often null).
    const score = JSON.parse(configs.find((m) => m.topic.endsWith('/last_score/config'))!.payload);
    expect(score.value_template).toBe('{{ value_json.score }}');
    const field = /value_json\.(\w+)/.exec(score.value_template)![1];
    const results = messages.filter((m) => m.topic === score.state_topic).map((m) => JSON.parse(m.payload));
    expect(results.length).toBe(12);
    for (const r of results) expect(typeof r[field]).toBe('number');
  });

  it('pulses the simulated reject line once per reject, never before capture + travel', () => {
    const db = new Database(join(dir, 'inspectd.db'), { readonly: true });
    const rejects = db.prepare("SELECT seq, ts FROM inspections WHERE verdict != 'pass' ORDER BY seq").all() as Array<{ seq: number; ts: number }>;
    const total = (db.prepare('SELECT COUNT(*) n FROM inspections').get() as { n: number }).n;
    db.close();
    const changes = readFileSync(join(dir, 'gpio.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: number; line: string; value: number });
    const rises = (line: string) => changes.filter((c, i) => c.line === line && c.value === 1 && changes.slice(0, i).filter((p) => p.line === line).at(-1)?.value !== 1);
    // High intervals of the reject line. Parts captured within pulse_ms of each other share one
    // (merged) pulse, so count coverage, not rises: every reject is high at capture + travel,
    // and no pulse starts before the capture + travel of the first part it serves.
    const highs: { start: number; end: number }[] = [];
    for (const c of changes.filter((x) => x.line === 'reject')) {
      if (c.value === 1 && (highs.length === 0 || highs.at(-1)!.end >= 0)) highs.push({ start: c.t, end: -1 });
      else if (c.value === 0 && highs.length && highs.at(-1)!.end < 0) highs.at(-1)!.end = c.t;
    }
    for (const r of rejects) {
      const due = r.ts + TRAVEL;
      expect(highs.some((h) => h.start <= due + 50 && h.end >= due - 1), `seq ${r.seq} pulsed at capture + travel`).toBe(true);
    }
    expect(highs.length).toBeGreaterThan(0);
    expect(highs.length).toBeLessThanOrEqual(rejects.length);
    for (const h of highs) expect(rejects.some((r) => h.start >= r.ts + TRAVEL - 1), 'no pulse before capture + travel').toBe(true);
    expect(rises('result_valid').length).toBe(total);
    // Safe state at the end: every output de-asserted.
    for (const line of ['reject', 'ready', 'heartbeat', 'result_valid']) expect(changes.filter((c) => c.line === line).at(-1)?.value).toBe(0);
  });
});

describe('inspectd validate-config / refused start', () => {
  it('lists every problem with its key path and line, and run refuses to start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inspectd-bad-'));
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, ['station: cell 7', 'camera:', '  source: replay', '  path: /does/not/exist', '  fsp: 3', 'model:', `  path: ${MODEL}`, '  threshold: high', 'colour: red'].join('\n'));
    const v = await runCli(['validate-config', '--config', cfg]);
    expect(v.code).toBe(2); // the same code as run's refusal below
    for (const s of ['station (line 1)', "camera.fsp (line 5): unknown key 'fsp'", 'camera.path (line 4): folder not found', 'model.threshold (line 8)', "colour (line 9): unknown key 'colour'"]) expect(v.stderr).toContain(s);
    const r = await runCli(['run', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to start');
    expect(r.stdout).toBe('');
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the embedded default config.yaml', async () => {
    const v = await runCli(['validate-config', '--config', join(ROOT, 'config.yaml')]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });
});
