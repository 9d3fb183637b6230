import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite.js';
import { recordingLog, result, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(() => cleanup());

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter((n) => !n.startsWith('sqlite_'));

const open = (database: string) => openStore({ database, imagesDir: join(dir, 'img'), retentionDays: 0, imagesQuotaMb: 10, log: recordingLog() });

describe('migrations', () => {
  it('upgrades an empty database (user_version 0) to the latest version', () => {
    const db = new Database(join(dir, 'a.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(migrate(db)).toEqual({ from: 0, to: MIGRATIONS.length });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(tables(db)).toEqual(['inspection_minutes', 'inspections', 'labels', 'outbox', 'settings', 'threshold_changes']);
    const labelCols = (db.prepare("SELECT name FROM pragma_table_info('labels')").pluck().all() as string[]).sort();
    expect(labelCols).toEqual(['id', 'image_path', 'label', 'part_ts', 'score', 'score_rule', 'seq', 'station', 'superseded_ts', 'threshold', 'ts', 'verdict', 'who'].sort());
    const cols = (db.prepare("SELECT name FROM pragma_table_info('inspections')").pluck().all() as string[]).sort();
    expect(cols).toEqual(
      ['error_code', 'error_message', 'id', 'image_path', 'infer_ms', 'latency_ms', 'preprocess_ms', 'score', 'score_ms', 'score_rule', 'seq', 'source', 'ssim', 'station', 'threshold', 'ts', 'verdict'].sort(),
    );
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'inspections'").pluck().all();
    expect(indexes).toEqual(expect.arrayContaining(['inspections_ts', 'inspections_verdict']));
    db.close();
  });

  it('upgrades a version-1 database that holds rows, keeping them', async () => {
    const file = join(dir, 'v1.db');
    const old = new Database(file);
    migrate(old, MIGRATIONS.slice(0, 1));
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(old)).not.toContain('outbox');
    old
      .prepare("INSERT INTO inspections (ts, station, seq, source, ssim, threshold, verdict, latency_ms) VALUES (1, 'st1', 7, 'x', 0.5, 0.8, 'reject', 3)")
      .run();
    old.close();

    const store = await open(file);
    expect(store.recent(10).map((r) => [r.seq, r.verdict])).toEqual([[7, 'reject']]);
    expect(store.outboxPending(10)).toEqual([]);
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('v4 moves the old score out of ssim on a real v3 file: score = the old value, ssim NULL, new rows keep all three', async () => {
    const file = join(dir, 'v3.db');
    const old = new Database(file);
    migrate(old, MIGRATIONS.slice(0, 3));
    expect(old.pragma('user_version', { simple: true })).toBe(3);
    // Before v4 the ssim column held the card's decision score, whatever its rule.
    const ins = old.prepare('INSERT INTO inspections (ts, station, seq, source, ssim, threshold, verdict, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    ins.run(1, 'st1', 1, 'a', 0.91, 0.8, 'pass', 3);
    ins.run(2, 'st1', 2, 'b', 0.42, 0.8, 'reject', 3);
    ins.run(3, 'st1', 3, 'c', null, 0.8, 'error', 3);
    old.close();

    const store = await open(file);
    store.record(result(4, { score: 0.77, score_rule: 'combo', ssim: 0.63, verdict: 'reject' }));
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const rows = db.prepare('SELECT seq, score, score_rule, ssim FROM inspections ORDER BY seq').all();
    db.close();
    expect(rows).toEqual([
      { seq: 1, score: 0.91, score_rule: null, ssim: null },
      { seq: 2, score: 0.42, score_rule: null, ssim: null },
      { seq: 3, score: null, score_rule: null, ssim: null },
      { seq: 4, score: 0.77, score_rule: 'combo', ssim: 0.63 },
    ]);
  });

  it('re-opening an up-to-date database changes nothing and keeps data', async () => {
    const file = join(dir, 'b.db');
    const s1 = await open(file);
    s1.record(result(1));
    await s1.close();
    const schema = () => {
      const db = new Database(file, { readonly: true });
      const sql = db.prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all();
      db.close();
      return sql;
    };
    const before = schema();
    const s2 = await open(file);
    expect(s2.recent(10).map((r) => r.seq)).toEqual([1]);
    await s2.close();
    expect(schema()).toEqual(before);
    const db = new Database(file);
    expect(migrate(db)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
    db.close();
  });

  it('refuses a database from a newer inspectd', async () => {
    const file = join(dir, 'new.db');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    await expect(open(file)).rejects.toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW' });
  });

  it('reports an unopenable database as STORE_OPEN', async () => {
    const { writeFileSync } = await import('node:fs');
    const text = 'this is not an sqlite file at all, just text '.repeat(100);
    writeFileSync(join(dir, 'notadb'), text);
    await expect(open(join(dir, 'notadb'))).rejects.toMatchObject({ code: 'STORE_OPEN', message: expect.stringMatching(/notadb: not a SQLite database/) });
    // A file that is not ours is neither moved aside nor written.
    const { readdirSync, readFileSync } = await import('node:fs');
    expect(readdirSync(dir)).toEqual(['notadb']);
    expect(readFileSync(join(dir, 'notadb'), 'utf8')).toBe(text);
  });

  it('enforces the verdict CHECK constraint', () => {
    const db = new Database(join(dir, 'c.db'));
    migrate(db);
    const ins = db.prepare("INSERT INTO inspections (ts, station, seq, source, ssim, threshold, verdict, latency_ms) VALUES (1, 's', 1, 'x', 1, 1, ?, 1)");
    expect(() => ins.run('maybe')).toThrow(/CHECK/);
    for (const v of ['pass', 'reject', 'error']) ins.run(v);
    db.close();
  });
});
