import type { Database, Statement } from 'better-sqlite3';
import type { InspectionResult } from '../domain/index.js';

/** Every SQL statement the store runs, prepared once at open. */
export interface Statements {
  insertInspection: Statement;
  insertOutbox: Statement;
  dropOldestPending: Statement;
  setImagePath: Statement;
  clearImagePath: Statement;
  outboxPending: Statement;
  outboxPendingCount: Statement;
  markDelivered: Statement;
  deleteOlderThan: Statement;
  deleteDeliveredBefore: Statement;
  insertThresholdChange: Statement;
  recent: Statement;
  countsSince: Statement;
  thresholdChanges: Statement;
  settings: Statement;
  saveSetting: Statement;
}

export function prepareStatements(db: Database): Statements {
  return {
    insertInspection: db.prepare(`
      INSERT INTO inspections (ts, station, seq, source, score, score_rule, ssim, threshold, verdict, latency_ms, image_path,
                               error_code, error_message, preprocess_ms, infer_ms, score_ms)
      VALUES (@ts, @station, @seq, @source, @score, @score_rule, @ssim, @threshold, @verdict, @latency_ms, @image_path,
              @error_code, @error_message, @preprocess_ms, @infer_ms, @score_ms)`),
    insertOutbox: db.prepare('INSERT INTO outbox (topic, payload, qos, retain, created_ts) VALUES (?, ?, ?, ?, ?)'),
    dropOldestPending: db.prepare(
      'DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE delivered_ts IS NULL ORDER BY id LIMIT ?)',
    ),
    setImagePath: db.prepare('UPDATE inspections SET image_path = ? WHERE id = ?'),
    clearImagePath: db.prepare('UPDATE inspections SET image_path = NULL WHERE image_path = ?'),
    outboxPending: db.prepare(
      'SELECT id, topic, payload, qos, retain, created_ts FROM outbox WHERE delivered_ts IS NULL AND id > ? ORDER BY id LIMIT ?',
    ),
    outboxPendingCount: db.prepare('SELECT count(*) FROM outbox WHERE delivered_ts IS NULL').pluck(),
    markDelivered: db.prepare('UPDATE outbox SET delivered_ts = ? WHERE id = ? AND delivered_ts IS NULL'),
    // Chunked so one retention pass after a long downtime never holds the write lock for long.
    deleteOlderThan: db.prepare(
      'DELETE FROM inspections WHERE id IN (SELECT id FROM inspections WHERE ts < ? ORDER BY ts LIMIT ?) RETURNING image_path',
    ),
    deleteDeliveredBefore: db.prepare('DELETE FROM outbox WHERE delivered_ts IS NOT NULL AND delivered_ts < ?'),
    insertThresholdChange: db.prepare(
      'INSERT INTO threshold_changes (ts, station, old, new, who, reason) VALUES (@ts, @station, @old, @new, @who, @reason)',
    ),
    recent: db.prepare('SELECT * FROM inspections ORDER BY id DESC LIMIT ?'),
    countsSince: db.prepare('SELECT verdict, count(*) AS n FROM inspections WHERE ts >= ? GROUP BY verdict'),
    thresholdChanges: db.prepare('SELECT ts, station, old, new, who, reason FROM threshold_changes ORDER BY id DESC LIMIT ?'),
    settings: db.prepare('SELECT name, value, config_value, ts, who FROM settings ORDER BY name'),
    saveSetting: db.prepare(
      'INSERT INTO settings (name, value, config_value, ts, who) VALUES (@name, @value, @config_value, @ts, @who) ON CONFLICT (name) DO UPDATE SET value = excluded.value, config_value = excluded.config_value, ts = excluded.ts, who = excluded.who',
    ),
  };
}

/** Named parameters of insertInspection for one result. */
export function rowParams(r: InspectionResult): Record<string, unknown> {
  return {
    ts: r.ts,
    station: r.station,
    seq: r.seq,
    source: r.source,
    score: r.score,
    score_rule: r.score_rule ?? null,
    ssim: r.ssim ?? null,
    threshold: r.threshold,
    verdict: r.verdict,
    latency_ms: r.latency_ms,
    image_path: r.image_path ?? null,
    error_code: r.error?.code ?? null,
    error_message: r.error?.message ?? null,
    preprocess_ms: r.stages?.preprocess_ms ?? null,
    infer_ms: r.stages?.infer_ms ?? null,
    score_ms: r.stages?.score_ms ?? null,
  };
}
