#!/usr/bin/env node
/**
 * Several cameras on one box, measured: run N real daemon processes (the built
 * dist/daemon/main.js, one config each, as systemd's inspectd@<name> would), each replaying the
 * bundled samples at --fps with the shipped default model, and report per process after a warm-up:
 *   rss_mb      resident set (counts shared library pages in every process)
 *   pss_mb      proportional set (shared pages split between the processes that map them)
 *   private_mb  pages only this process has: what one more station costs the box
 *   cpu_ms_per_frame   user+system CPU of the whole process (all threads) / frames decided
 *   cpu_share   CPU seconds per wall second (1.0 = one core)
 * plus the load average while it ran (the box is shared; CPU per frame is the figure to trust).
 * Not part of `npm test`; `npm run build` first.
 *
 *   node scripts/stations-measure.mjs [--stations 1] [--fps 10] [--seconds 60] [--warmup-s 10] [--workers 1] [--model M.onnx]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const Database = createRequire(import.meta.url)('better-sqlite3');
const { values: a } = parseArgs({
  options: {
    stations: { type: 'string', default: '1' },
    fps: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '60' },
    'warmup-s': { type: 'string', default: '10' },
    workers: { type: 'string', default: '1' },
    model: { type: 'string', default: join(ROOT, 'models/casting-int8.onnx') },
  },
});
const n = Number(a.stations);
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat times are in 1/100 s
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'inspectd-stations-'));

function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK; // utime, stime
}
function memMb(pid) {
  const kb = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  const r = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    rss_mb: kb(r, 'Rss') / 1024,
    pss_mb: kb(r, 'Pss') / 1024,
    private_mb: (kb(r, 'Private_Clean') + kb(r, 'Private_Dirty')) / 1024,
    peak_rss_mb: kb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmHWM') / 1024,
  };
}
const rows = (db) => {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare('SELECT count(*) AS n FROM inspections').get().n;
  } finally {
    d.close();
  }
};

const stations = [];
for (let i = 1; i <= n; i++) {
  const sd = join(dir, `cam${i}`);
  mkdirSync(sd);
  const cfg = join(sd, 'config.yaml');
  writeFileSync(cfg, [
    `station: cam${i}`,
    `camera: { source: replay, path: ${join(ROOT, 'samples/casting')}, fps: ${Number(a.fps)}, loop: true }`,
    `model: { path: ${a.model}, workers: ${Number(a.workers)} }`,
    'gpio: { backend: sim, sim_log: gpio.jsonl, travel_ms: 300 }',
    'storage: { database: inspectd.db, images: images, save_images: rejects }',
    'mqtt: { url: "" }',
    'http: { enabled: false }',
    'log: { level: warn }',
  ].join('\n') + '\n');
  const child = spawn(process.execPath, [join(ROOT, 'dist/daemon/main.js'), 'run', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NOTIFY_SOCKET: '' } });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  stations.push({ name: `cam${i}`, child, db: join(sd, 'inspectd.db'), err: () => err });
}
try {
  await sleep(Number(a['warmup-s']) * 1000);
  for (const s of stations) if (s.child.exitCode !== null) throw new Error(`${s.name} exited ${s.child.exitCode}: ${s.err()}`);
  const t0 = performance.now();
  const load0 = loadavg()[0];
  const start = stations.map((s) => ({ cpu: cpuMs(s.child.pid), frames: rows(s.db) }));
  await sleep(Number(a.seconds) * 1000);
  const wallS = (performance.now() - t0) / 1000;
  const per = stations.map((s, i) => {
    const cpu = cpuMs(s.child.pid) - start[i].cpu;
    const frames = rows(s.db) - start[i].frames;
    const m = memMb(s.child.pid);
    return { station: s.name, frames, fps: +(frames / wallS).toFixed(2), cpu_ms_per_frame: +(cpu / frames).toFixed(2), cpu_share: +(cpu / 1000 / wallS).toFixed(3), ...Object.fromEntries(Object.entries(m).map(([k, v]) => [k, +v.toFixed(1)])) };
  });
  const sum = (k) => +per.reduce((t, p) => t + p[k], 0).toFixed(2);
  console.log(JSON.stringify({ stations: n, fps_each: Number(a.fps), workers_each: Number(a.workers), seconds: +wallS.toFixed(1), load_avg_1m: [+load0.toFixed(2), +loadavg()[0].toFixed(2)], per_station: per, total: { cpu_share: sum('cpu_share'), rss_mb: sum('rss_mb'), pss_mb: sum('pss_mb'), private_mb: sum('private_mb') } }));
} finally {
  for (const s of stations) s.child.kill('SIGTERM');
  await Promise.all(stations.map((s) => new Promise((r) => (s.child.exitCode !== null ? r() : s.child.once('exit', r)))));
  rmSync(dir, { recursive: true, force: true });
}
