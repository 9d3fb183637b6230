#!/usr/bin/env node
/**
 * A fleet on one broker: N stations, each a real process of the built daemon
 * (dist/daemon/main.js run), against one mosquitto started here on a free loopback port, and one
 * supervisor subscribed to `inspectd/+/alert` (QoS 1) as a plant dashboard would be. Reports:
 * alerts sent (rows with verdict reject/error in each station's SQLite, read after it stopped) vs
 * received (distinct station+seq at the supervisor), alerts still in a station's outbox, the
 * broker's CPU, and end-to-end alert latency (frame capture wall time `ts` → arrival at the
 * supervisor; one machine, one clock) p50/p99/max, over the whole run and over the steady part
 * after every station was online, with the stations' own CPU and the load average then.
 *
 * The light station: the real daemon and publish path (SQLite outbox, QoS 1, MQTT.js) with the
 * test fixture model (tiny, untrained: every casting frame and half the crack frames score below
 * its threshold, so 16 of the 20 sample frames are rejects and alerts), 1 worker, no
 * dashboard, no saved images. The model is what a station spends its CPU on, and it is not what
 * this measures; with the shipped model 50 stations would not fit on a 2-core box. Not part of
 * `npm test`; `npm run build` first.
 *
 *   node scripts/fleet-load.mjs [--stations 10] [--fps 1] [--seconds 60] [--model M.onnx] [--stagger-ms 100]
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const mqtt = require('mqtt');
const { values: a } = parseArgs({
  options: {
    stations: { type: 'string', default: '10' },
    fps: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '60' },
    model: { type: 'string', default: join(ROOT, 'test/fixtures/model/tiny_gray.onnx') },
    'stagger-ms': { type: 'string', default: '100' },
  },
});
const N = Number(a.stations);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'inspectd-fleet-'));
const cpuMs = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, USER_HZ 100
};
const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const pct = (xs, q) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] : null);
const summary = (xs) => { const s = [...xs].sort((x, y) => x - y); return { n: s.length, p50_ms: pct(s, 0.5), p99_ms: pct(s, 0.99), max_ms: s.at(-1) ?? null }; };
const exited = (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', r)));

// --- broker -------------------------------------------------------------------------------------
const port = await freePort();
writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n`);
const broker = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
// Whatever happens below, nothing started here outlives this script.
const stations = [];
process.on('exit', () => {
  broker.kill('SIGKILL');
  for (const st of stations) st.child.kill('SIGKILL');
});
let brokerLog = '';
broker.stderr.on('data', (d) => (brokerLog += d));
const url = `mqtt://127.0.0.1:${port}`;

// --- supervisor ---------------------------------------------------------------------------------
const received = new Map(); // station/seq → latency ms (first arrival)
let duplicates = 0;
const online = new Map(); // station → wall ms it said online
const sup = await new Promise((res, rej) => {
  const deadline = Date.now() + 10_000;
  const tryConnect = () => {
    const c = mqtt.connect(url, { clientId: 'fleet-supervisor', reconnectPeriod: 0, connectTimeout: 2000 });
    c.once('connect', () => res(c));
    c.once('error', () => (c.end(true), Date.now() > deadline ? rej(new Error(`no broker on ${url}: ${brokerLog}`)) : setTimeout(tryConnect, 100)));
  };
  tryConnect();
});
sup.on('message', (topic, buf) => {
  const now = Date.now();
  const [, station, kind] = topic.split('/');
  if (kind === 'status') {
    if (String(buf) === 'online' && !online.has(station)) online.set(station, now);
    return;
  }
  const p = JSON.parse(String(buf));
  const key = `${p.station}/${p.seq}`;
  if (received.has(key)) duplicates++;
  else received.set(key, { latency: now - p.ts, at: now });
});
await sup.subscribeAsync({ 'inspectd/+/alert': { qos: 1 }, 'inspectd/+/status': { qos: 1 } });

// --- stations -----------------------------------------------------------------------------------
const frames = join(dir, 'frames');
mkdirSync(frames);
for (const d of ['casting', 'cracks']) for (const f of readdirSync(join(ROOT, 'samples', d)).filter((x) => /\.jpe?g$/i.test(x))) copyFileSync(join(ROOT, 'samples', d, f), join(frames, `${d}_${f}`));
const t0 = Date.now();
const cpu0 = { broker: cpuMs(broker.pid) };
for (let i = 1; i <= N; i++) {
  const name = `fleet-${String(i).padStart(3, '0')}`;
  const sd = join(dir, name);
  mkdirSync(sd);
  writeFileSync(join(sd, 'config.yaml'), [
    `station: ${name}`,
    `camera: { source: replay, path: ${frames}, fps: ${Number(a.fps)}, loop: true }`,
    // A loaded box: a slow inference is a late decision, never a worker restart.
    `model: { path: ${resolve(a.model)}, workers: 1, timeout_ms: 10000 }`,
    'gpio: { backend: sim, sim_log: gpio.jsonl }',
    'storage: { database: inspectd.db, images: images, save_images: none }',
    `mqtt: { url: "${url}", stats_interval_s: 30 }`,
    'http: { enabled: false }',
    'log: { level: warn }',
  ].join('\n') + '\n');
  const child = spawn(process.execPath, [join(ROOT, 'dist/daemon/main.js'), 'run', '--config', join(sd, 'config.yaml')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NOTIFY_SOCKET: '' } });
  let err = ''; // warn and above (log.level warn), and stderr: what to show when a station dies
  const keep = (d) => (err = (err + d).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  stations.push({ name, child, sd, err: () => err });
  await sleep(Number(a['stagger-ms']));
}
let code = 0;
try {
  while (online.size < N && Date.now() - t0 < 300_000) {
    const dead = stations.find((s) => s.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited ${dead.child.exitCode}: ${dead.err().slice(-2000)}`);
    await sleep(200);
  }
  const allOnline = Date.now();
  if (online.size < N) throw new Error(`only ${online.size}/${N} stations online after 300 s`);
  const cpuAll = cpuMs(broker.pid);
  const stationsCpuAll = stations.reduce((t, st) => t + cpuMs(st.child.pid), 0);
  const load = [loadavg()[0]];
  await sleep(Number(a.seconds) * 1000);
  load.push(loadavg()[0]);
  const stopAt = Date.now();
  const cpuStop = cpuMs(broker.pid);
  const stationsCpuStop = stations.reduce((t, st) => t + cpuMs(st.child.pid), 0);
  for (const s of stations) s.child.kill('SIGTERM');
  await Promise.all(stations.map((s) => exited(s.child)));
  await sleep(2000); // the last PUBLISHes still on their way through the broker
  const cpuEnd = cpuMs(broker.pid);

  let sent = 0, pending = 0, rows = 0;
  const exits = {};
  const sentKeys = new Set();
  for (const s of stations) {
    exits[s.child.exitCode ?? s.child.signalCode] = (exits[s.child.exitCode ?? s.child.signalCode] ?? 0) + 1;
    const db = new Database(join(s.sd, 'inspectd.db'), { readonly: true });
    for (const r of db.prepare("SELECT seq FROM inspections WHERE verdict != 'pass'").all()) sentKeys.add(`${s.name}/${r.seq}`);
    rows += db.prepare('SELECT count(*) AS n FROM inspections').get().n;
    pending += db.prepare("SELECT count(*) AS n FROM outbox WHERE delivered_ts IS NULL AND topic LIKE '%/alert'").get().n;
    db.close();
  }
  sent = sentKeys.size;
  const got = [...sentKeys].filter((k) => received.has(k)).length;
  const steady = [...received.values()].filter((r) => r.at >= allOnline + 5000 && r.at <= stopAt).map((r) => r.latency);
  const out = {
    stations: N, fps_each: Number(a.fps), model: a.model.replace(ROOT + '/', ''),
    startup_s: +((allOnline - t0) / 1000).toFixed(1), steady_s: +((stopAt - allOnline) / 1000).toFixed(1),
    rows, alerts_sent: sent, alerts_received: got, alerts_lost: sent - got, alerts_still_in_outbox: pending, duplicates_received: duplicates,
    station_exit_codes: exits,
    broker_cpu: { whole_run_core_share: +((cpuEnd - cpu0.broker) / (Date.now() - t0)).toFixed(4), steady_core_share: +((cpuStop - cpuAll) / (stopAt - allOnline)).toFixed(4) },
    stations_steady_core_share: +((stationsCpuStop - stationsCpuAll) / (stopAt - allOnline)).toFixed(3),
    latency_all: summary([...received.values()].map((r) => r.latency)), latency_steady: summary(steady),
    load_avg_1m: load.map((x) => +x.toFixed(2)),
  };
  console.log(JSON.stringify(out));
  if (out.alerts_lost !== 0) code = 1;
} catch (err) {
  console.error(String(err.stack ?? err));
  code = 1;
} finally {
  for (const s of stations) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await Promise.all(stations.map((s) => exited(s.child)));
  sup.end(true);
  broker.kill('SIGTERM');
  await exited(broker);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
