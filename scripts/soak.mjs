#!/usr/bin/env node
/**
 * Soak: run the BUILT daemon (dist/daemon/main.js, `npm run build` first) as a child for N
 * minutes on a looping replay as fast as it goes (fps 0), sample its RSS every --interval-s, and
 * print one JSON object:
 *   {minutes, frames, rss_mb: [...], rss_start_mb, rss_end_mb, slope_mb_per_min, ...}
 * slope_mb_per_min is the least-squares slope of RSS over time, after the first minute (warm-up:
 * libvips/onnxruntime arenas, SQLite page cache, V8 heap growth) when the run is long enough.
 *
 * The whole station path is exercised: sharp preprocessing, the model worker, SQLite (WAL, the
 * outbox), reject images under a small quota (so eviction runs), simulated GPIO, and MQTT to a
 * local mosquitto when one is installed (started here on a free loopback port; --no-mqtt skips).
 *
 * Not part of `npm test`. Usage:
 *   node scripts/soak.mjs [--minutes 10] [--model M.onnx] [--samples DIR] [--interval-s 10]
 *                         [--workers 1] [--images-quota-mb 20] [--no-mqtt] [--keep]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/daemon/main.js');

const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    model: { type: 'string' },
    samples: { type: 'string', default: join(ROOT, 'samples/casting') },
    'interval-s': { type: 'string', default: '10' },
    workers: { type: 'string', default: '1' },
    'images-quota-mb': { type: 'string', default: '20' },
    'no-mqtt': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

const minutes = Number(a.minutes);
const intervalS = Number(a['interval-s']);
const shipped = join(ROOT, 'models/casting-int8.onnx');
const model = resolve(a.model ?? (existsSync(shipped) ? shipped : join(ROOT, 'test/fixtures/model/tiny_gray.onnx')));
if (!existsSync(CLI)) fail(`${CLI} not found: run \`npm run build\` first`);
if (!existsSync(model)) fail(`model not found: ${model}`);
if (!(minutes > 0) || !(intervalS > 0)) fail('--minutes and --interval-s must be > 0');

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'inspectd-soak-'));
const children = new Set();
const killAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130));

function fail(msg) {
  process.stderr.write(`soak: ${msg}\n`);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

async function startBroker() {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [...(process.getuid?.() === 0 ? ['user root'] : []), 'persistence false', 'allow_anonymous true', `listener ${port} 127.0.0.1`, ''].join('\n'));
  const b = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  children.add(b);
  await sleep(500);
  if (b.exitCode !== null) fail('mosquitto did not start');
  return { url: `mqtt://127.0.0.1:${port}`, proc: b };
}

/** Resident set size in MB (Linux /proc; ps elsewhere). */
function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* fall through */
  }
  return NaN;
}

function duMb(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.size / 1048576;
  return readdirSync(path).reduce((s, n) => s + duMb(join(path, n)), 0);
}

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
}

const r2 = (v) => Math.round(v * 100) / 100;

const broker = !a['no-mqtt'] && MOSQUITTO ? await startBroker() : null;
const cfg = join(dir, 'config.yaml');
const section = (o) => JSON.stringify(o);
writeFileSync(
  cfg,
  [
    'station: soak',
    `camera: ${section({ source: 'replay', path: resolve(a.samples), fps: 0, loop: true })}`,
    `model: ${section({ path: model, workers: Number(a.workers) })}`,
    `gpio: ${section({ backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 1, strobe_ms: 1 })}`,
    `storage: ${section({ database: 'inspectd.db', images: 'images', save_images: 'rejects', images_quota_mb: Number(a['images-quota-mb']) })}`,
    `mqtt: ${section({ url: broker ? broker.url : '', stats_interval_s: intervalS })}`,
    `http: ${section({ enabled: false })}`,
    `log: ${section({ level: 'info' })}`,
  ].join('\n') + '\n',
);

const d = spawn(process.execPath, [CLI, 'run', '--config', cfg], { cwd: dir, env: { ...process.env, NOTIFY_SOCKET: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
children.add(d);
let out = '';
let lastStats = null;
let stopped = null;
let stderr = '';
let markReady;
const ready = new Promise((r) => (markReady = r));
d.stdout.on('data', (b) => {
  out += b.toString();
  const lines = out.split('\n');
  out = lines.pop() ?? '';
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try {
      const o = JSON.parse(l);
      if (o.msg === 'stats') lastStats = o;
      if (o.msg === 'stopped') stopped = o;
      if (o.msg === 'inspectd ready') markReady();
    } catch {
      /* not JSON */
    }
  }
});
d.stderr.on('data', (b) => (stderr += b.toString()));
const exited = new Promise((r) => d.once('close', (code, signal) => r({ code, signal })));

// Time and RSS count from READY (model warmed up), not from the spawn.
const early0 = await Promise.race([exited, ready.then(() => null)]);
if (early0) fail(`daemon exited before ready (${JSON.stringify(early0)}):\n${stderr.slice(-2000)}`);
const t0 = Date.now();
const samples = [];
const sample = () => samples.push({ t_min: (Date.now() - t0) / 60000, rss_mb: rssMb(d.pid), frames: lastStats?.stats?.inspected ?? 0 });
sample();
const end = t0 + minutes * 60000;
let early = null;
while (Date.now() < end) {
  const r = await Promise.race([exited, sleep(Math.min(intervalS * 1000, end - Date.now()))]);
  if (r) {
    early = r;
    break;
  }
  sample();
}
if (!early) d.kill('SIGTERM');
const exit = early ?? (await exited);
children.delete(d);
broker?.proc.kill('SIGTERM');

const warm = samples.filter((s) => s.t_min >= 1);
const fit = warm.length >= 3 ? warm : samples;
const rss = samples.map((s) => r2(s.rss_mb));
const frames = stopped?.inspected ?? lastStats?.stats?.inspected ?? 0;
const result = {
  minutes: r2((Date.now() - t0) / 60000),
  frames,
  fps: r2(frames / ((Date.now() - t0) / 1000)),
  rss_mb: rss,
  rss_start_mb: rss[0],
  rss_end_mb: rss.at(-1),
  rss_max_mb: r2(Math.max(...samples.map((s) => s.rss_mb))),
  slope_mb_per_min: r2(slope(fit.map((s) => s.t_min), fit.map((s) => s.rss_mb))),
  slope_from_min: r2(fit[0]?.t_min ?? 0),
  interval_s: intervalS,
  model,
  workers: Number(a.workers),
  mqtt: broker ? broker.url : null,
  errors: stopped?.errors ?? lastStats?.stats?.errors ?? null,
  db_mb: r2(duMb(join(dir, 'inspectd.db')) + duMb(join(dir, 'inspectd.db-wal'))),
  images_mb: r2(duMb(join(dir, 'images'))),
  images_quota_mb: Number(a['images-quota-mb']),
  exit: exit.code ?? exit.signal,
  ...(early ? { ended_early: true, stderr: stderr.slice(-2000) } : {}),
};
process.stdout.write(JSON.stringify(result) + '\n');
if (!a.keep) rmSync(dir, { recursive: true, force: true });
else process.stderr.write(`soak: kept ${dir}\n`);
process.exitCode = early || exit.code !== 0 ? 1 : 0;
