import type { Database } from 'better-sqlite3';
import { InspectdError } from '../platform/index.js';

/**
 * Schema history. Entry i upgrades user_version i → i+1. Append only: a station in the field
 * may have any earlier version on disk, and each step must run exactly once.
 */
export type Migration = (db: Database) => void;

const v1: Migration = (db) => {
  db.exec(`
    CREATE TABLE inspections (
      id            INTEGER PRIMARY KEY,
      ts            INTEGER NOT NULL,
      station       TEXT    NOT NULL,
      seq           INTEGER NOT NULL,
      source        TEXT    NOT NULL,
      ssim          REAL,
      threshold     REAL    NOT NULL,
      verdict       TEXT    NOT NULL CHECK (verdict IN ('pass', 'reject', 'error')),
      latency_ms    REAL    NOT NULL,
      image_path    TEXT,
      error_code    TEXT,
      error_message TEXT,
      preprocess_ms REAL,
      infer_ms      REAL,
      score_ms      REAL
    );
    CREATE INDEX inspections_ts ON inspections (ts);
    CREATE INDEX inspections_verdict ON inspections (verdict, ts);
    -- Quota deletes look rows up by path; only rejects have one, so the partial index stays small.
    CREATE INDEX inspections_image ON inspections (image_path) WHERE image_path IS NOT NULL;

    CREATE TABLE threshold_changes (
      id      INTEGER PRIMARY KEY,
      ts      INTEGER NOT NULL,
      station TEXT    NOT NULL,
      old     REAL,
      new     REAL    NOT NULL,
      who     TEXT    NOT NULL,
      reason  TEXT
    );
  `);
};

const v2: Migration = (db) => {
  db.exec(`
    CREATE TABLE outbox (
      id           INTEGER PRIMARY KEY,
      topic        TEXT    NOT NULL,
      payload      TEXT    NOT NULL,
      qos          INTEGER NOT NULL CHECK (qos IN (0, 1, 2)),
      retain       INTEGER NOT NULL CHECK (retain IN (0, 1)),
      created_ts   INTEGER NOT NULL,
      delivered_ts INTEGER
    );
    -- The pump reads pending rows in id order; delivered ones are only touched by retention.
    CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_ts IS NULL;
    CREATE INDEX outbox_delivered ON outbox (delivered_ts) WHERE delivered_ts IS NOT NULL;
  `);
};

const v3: Migration = (db) => {
  // Runtime settings (MQTT/dashboard) that must outlive a restart. `config_value` is the JSON of
  // the config.yaml value the setting was applied over: when config.yaml says something else at
  // the next start, the edit is newer than the setting and wins.
  db.exec(`
    CREATE TABLE settings (
      name         TEXT    PRIMARY KEY,
      value        TEXT    NOT NULL,
      config_value TEXT    NOT NULL,
      ts           INTEGER NOT NULL,
      who          TEXT    NOT NULL
    );
  `);
};

const v4: Migration = (db) => {
  // Until v4 the `ssim` column held the card's decision score, whatever its rule. The score moves
  // to `score` and `ssim` is cleared: an old row must not claim an SSIM that was never computed.
  // Old rows' rule is unknown (the card may have changed since), so score_rule stays NULL there.
  db.exec(`
    ALTER TABLE inspections ADD COLUMN score REAL;
    ALTER TABLE inspections ADD COLUMN score_rule TEXT;
    UPDATE inspections SET score = ssim, ssim = NULL;
  `);
};

const v5: Migration = (db) => {
  // Operator labels from the review queue ("good part" / "defect"). A row copies what the part's
  // inspection said (verdict, score, threshold, image) so labels stay usable for calibration and
  // export-dataset after retention has removed the inspection row. Relabelling keeps history: the
  // old row gets superseded_ts, and exactly one row per part (station, seq, part_ts) is current.
  db.exec(`
    CREATE TABLE labels (
      id            INTEGER PRIMARY KEY,
      station       TEXT    NOT NULL,
      seq           INTEGER NOT NULL,
      part_ts       INTEGER NOT NULL,
      label         TEXT    NOT NULL CHECK (label IN ('good', 'defect')),
      who           TEXT    NOT NULL,
      ts            INTEGER NOT NULL,
      verdict       TEXT    NOT NULL CHECK (verdict IN ('pass', 'reject', 'error')),
      score         REAL,
      score_rule    TEXT,
      threshold     REAL    NOT NULL,
      image_path    TEXT,
      superseded_ts INTEGER
    );
    CREATE UNIQUE INDEX labels_current ON labels (station, seq, part_ts) WHERE superseded_ts IS NULL;
    CREATE INDEX labels_ts ON labels (ts);
    -- The review queue's sampled passes: newest rows that have a saved image, without walking
    -- every pass (most have none; only rows with an image are in it). verdict and seq ride along
    -- so the sample filter is read from the index, not from each row (save_images: all).
    CREATE INDEX inspections_saved ON inspections (ts, verdict, seq) WHERE image_path IS NOT NULL;
  `);
};

const v6: Migration = (db) => {
  // Per-minute counts for the shift dashboard: a trend or a shift total over 2 M rows takes
  // seconds as a GROUP BY (measured: src/bench/shiftQueries.ts), a sum over ≤ 1440 minutes a day
  // takes well under a millisecond. Filled in the same transaction as the rows (writer.ts) and
  // pruned by age only, so shift totals stay whole when the row cap removes old rows.
  // Errors exclude dropped frames (FRAME_DROPPED): the dashboard shows drops apart.
  db.exec(`
    CREATE TABLE inspection_minutes (
      station TEXT    NOT NULL,
      minute  INTEGER NOT NULL,
      pass    INTEGER NOT NULL DEFAULT 0,
      reject  INTEGER NOT NULL DEFAULT 0,
      error   INTEGER NOT NULL DEFAULT 0,
      dropped INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (station, minute)
    ) WITHOUT ROWID;
    INSERT INTO inspection_minutes (station, minute, pass, reject, error, dropped)
      SELECT station, CAST(ts / 60000 AS INTEGER),
             sum(verdict = 'pass'), sum(verdict = 'reject'),
             sum(verdict = 'error' AND coalesce(error_code, '') <> 'FRAME_DROPPED'),
             sum(verdict = 'error' AND error_code = 'FRAME_DROPPED')
      FROM inspections GROUP BY 1, 2;
  `);
};

export const MIGRATIONS: readonly Migration[] = [v1, v2, v3, v4, v5, v6];

/**
 * Bring the schema to the latest version, one transaction per step so a crash mid-upgrade leaves
 * a consistent earlier version. Refuses a database written by a newer inspectd (downgrade).
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > migrations.length) {
    throw new InspectdError('STORE_SCHEMA_TOO_NEW', `database schema version ${from} is newer than this inspectd supports (${migrations.length})`, {
      database: db.name,
      version: from,
      supported: migrations.length,
    });
  }
  for (let v = from; v < migrations.length; v++) {
    db.transaction(() => {
      migrations[v](db);
      // PRAGMA takes no bound parameters; v is an integer we control.
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return { from, to: migrations.length };
}
