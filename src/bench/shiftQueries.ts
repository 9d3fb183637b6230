/**
 * `npm run bench:shift`: the shift dashboard's queries on a full table. Builds a database of
 * `--rows` (default 2 M, storage.max_rows' default) inspections at 30 fps through the store's own
 * write path (so the per-minute counts are what the daemon writes), in a temp dir, then reports
 * the median ms of what the page asks for — the summary (/api/shift: last hour, shift, today,
 * six shifts, the badge) and each trend (/api/trend) — next to the same counts as a GROUP BY over
 * the rows with the covering index that query would need (the alternative the rollups replaced).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { DashboardSchema } from '../config/index.js';
import type { InspectionResult } from '../domain/index.js';
import { quantile } from '../score/index.js';
import { openStore } from '../store/index.js';
import { ShiftView, type RangeName } from '../web/index.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const round = (x: number) => Math.round(x * 100) / 100;

function medianMs(fn: () => unknown, runs: number): number {
  fn(); // first call: statement preparation and a cold page cache are not what a dashboard sees every 5 s
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = performance.now();
    fn();
    t.push(performance.now() - a);
  }
  return round(quantile(t.sort((a, b) => a - b), 0.5));
}

async function main() {
  const rows = Number(arg('rows', '2000000'));
  const fps = Number(arg('fps', '30'));
  const runs = Number(arg('runs', '21'));
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-bench-shift-'));
  const database = join(dir, 'inspectd.db');
  // The table ends at 20:00 UTC: at 30 fps 2 M rows reach back 18.5 h, all of them inside "today".
  const end = Date.UTC(2026, 0, 15, 20, 0);
  try {
    const t0 = performance.now();
    const store = await openStore({ database, imagesDir: join(dir, 'images'), retentionDays: 0, retentionMaxRows: 0, imagesQuotaMb: 0, batchSize: 10_000, maxQueue: 20_000, flushMs: 600_000, log: pino({ level: 'error' }) });
    const step = 1000 / fps;
    for (let i = 0; i < rows; i++) {
      // 3 % rejects, 0.3 % errors, 0.1 % dropped frames, spread evenly.
      const k = (i * 7919) % 1000;
      const r: InspectionResult = {
        station: 'bench', seq: i, ts: Math.round(end - (rows - i) * step), source: 'cam', score: k / 1000, score_rule: 'combo', ssim: null, threshold: 0.03,
        verdict: k < 30 ? 'reject' : k < 34 ? 'error' : 'pass', latency_ms: 12, stages: { preprocess_ms: 4, infer_ms: 7, score_ms: 0.4 },
      };
      if (k >= 30 && k < 33) r.error = { code: 'MODEL_TIMEOUT', message: 'slow' };
      else if (k === 33) r.error = { code: 'FRAME_DROPPED', message: 'queue full' };
      store.record(r);
      if (i % 10_000 === 9_999) store.flush();
    }
    await store.close();
    const buildS = round((performance.now() - t0) / 1000);

    // Opened again as the daemon opens it (integrity check, migrations, maintenance): the dashboard's own path.
    const reader = await openStore({ database, imagesDir: join(dir, 'images'), retentionDays: 0, retentionMaxRows: 0, imagesQuotaMb: 0, log: pino({ level: 'error' }) });
    const view = new ShiftView({ station: 'bench', store: reader, dashboard: DashboardSchema.parse({ timezone: 'UTC' }), calibration: undefined, now: () => end - 1 });
    const summary = view.summary() as { ranges: Record<RangeName, { rates: { parts: number } }> };
    const out: Record<string, unknown> = {
      rows, fps, runs, build_s: buildS,
      file_mb: round(statSync(database).size / 1e6),
      bytes_per_row: Math.round(statSync(database).size / rows),
      parts_in: { hour: summary.ranges.hour.rates.parts, shift: summary.ranges.shift.rates.parts, today: summary.ranges.today.rates.parts },
      median_ms: {
        summary_hour_shift_today_6shifts_badge: medianMs(() => view.summary(), runs),
        trend_hour: medianMs(() => view.trend('hour'), runs),
        trend_shift: medianMs(() => view.trend('shift'), runs),
        trend_today: medianMs(() => view.trend('today'), runs),
      },
    };
    await reader.close();

    // The alternative: count the rows themselves, with the covering index such a query needs.
    const rw = new Database(database);
    rw.exec('CREATE INDEX bench_cover ON inspections (ts, verdict, error_code, station)');
    const q = rw.prepare(`SELECT verdict, error_code = 'FRAME_DROPPED' AS dropped, count(*) AS n FROM inspections WHERE station = ? AND ts >= ? AND ts < ? GROUP BY 1, 2`);
    const shift = view.range('shift', end - 1);
    const today = view.range('today', end - 1);
    const slow = Math.max(3, Math.floor(runs / 5));
    out.rows_group_by_median_ms = {
      runs: slow,
      shift_total: medianMs(() => q.all('bench', shift.start, shift.end), slow),
      today_total: medianMs(() => q.all('bench', today.start, today.end), slow),
    };
    rw.close();
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
