// The review queue on a full table: 2 M inspection rows (the default storage.max_rows), 0.2 %
// rejects, 50 labels. `rejects`: images on rejects and every 1000th pass (save_images: rejects,
// review.pass_every: 1000, the defaults); `all`: an image on every row (save_images: all with no
// quota: an upper bound; the quota keeps far fewer). Prints one JSON object of medians in ms.
// Needs `npm run build`. Usage: node scripts/bench-review-queue.mjs [--rows N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { migrate } from '../dist/store/migrations.js';
import { SqliteLabels } from '../dist/store/labels.js';

const i = process.argv.indexOf('--rows');
const N = i > 0 ? Number(process.argv[i + 1]) : 2_000_000;
const T0 = 1_700_000_000_000;
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];

function bench(mode, dir) {
  const db = new Database(join(dir, `${mode}.db`));
  db.pragma('journal_mode = WAL');
  migrate(db);
  const ins = db.prepare("INSERT INTO inspections (ts, station, seq, source, score, score_rule, threshold, verdict, latency_ms, image_path) VALUES (?, 's', ?, 'x', ?, 'combo', 0.5, ?, 3, ?)");
  db.transaction(() => {
    for (let seq = 1; seq <= N; seq++) {
      const reject = seq % 500 === 7;
      const saved = mode === 'all' || reject || seq % 1000 === 0;
      ins.run(T0 + seq * 33, seq, reject ? 0.3 : 0.8, reject ? 'reject' : 'pass', saved ? `d/${seq}.jpg` : null);
    }
  })();
  const labels = new SqliteLabels({ db, now: Date.now, outbox: { pending: 0, max: 1e9, listeners: new Set() }, onOutboxDropped() {}, guard: (_w, f) => f() });
  const part = (k) => N - 493 - 500 * k;
  for (let k = 0; k < 50; k++) labels.set({ station: 's', seq: part(k), ts: T0 + part(k) * 33, label: k % 3 ? 'good' : 'defect', who: 'bench' });
  const time = (f) => {
    f();
    const xs = [];
    for (let r = 0; r < 21; r++) {
      const t = performance.now();
      f();
      xs.push(performance.now() - t);
    }
    return Math.round(median(xs) * 100) / 100;
  };
  const out = {
    queue_24: time(() => labels.queue({ station: 's', limit: 24, passEvery: 1000 })),
    queue_24_unlabelled: time(() => labels.queue({ station: 's', limit: 24, passEvery: 1000, unlabelledOnly: true })),
    queue_24_rejects_only: time(() => labels.queue({ station: 's', limit: 24, passEvery: 0 })),
    label: time(() => labels.set({ station: 's', seq: part(0), ts: T0 + part(0) * 33, label: Math.random() < 0.5 ? 'good' : 'defect', who: 'bench' })),
    rates_scores: time(() => labels.scores('combo', { station: 's' })),
  };
  db.close();
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'inspectd-review-bench-'));
try {
  console.log(JSON.stringify({ rows: N, rejects: bench('rejects', dir), all: bench('all', dir) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
