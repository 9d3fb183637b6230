/**
 * The database is the plant's quality record. A file with damaged pages found at open is moved
 * aside untouched (never written over) and a new one started, loudly; row writes that keep
 * failing afterwards are reported once per episode and counted.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite.js';
import type { Store, StoreFault, StoreOptions } from '../../src/store/types.js';
import { corruptPages, makeDatabase, quickCheck } from '../helpers/corruptDb.js';
import { recordingLog, result, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let stores: Store[] = [];
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
  await cleanup();
});

const AT = Date.UTC(2026, 11, 2, 5, 30, 0, 250);
const dbFile = () => join(dir, 'inspectd.db');

async function open(over: Partial<StoreOptions> = {}) {
  const log = recordingLog();
  const faults: StoreFault[] = [];
  const store = await openStore({ database: dbFile(), imagesDir: join(dir, 'images'), retentionDays: 0, imagesQuotaMb: 10, flushMs: 60_000, log, onFault: (f) => faults.push(f), now: () => AT, ...over });
  stores.push(store);
  return { store, log, faults };
}

function corruptFile(): Buffer {
  makeDatabase(dbFile());
  corruptPages(dbFile());
  expect(quickCheck(dbFile())).not.toBe('ok'); // the fixture really is damaged
  return readFileSync(dbFile());
}

describe('store: a corrupt database at open', () => {
  it('is moved to <name>.corrupt-<UTC time> byte for byte, a fresh database takes the rows, and the fault says where the old one went', async () => {
    const damaged = corruptFile();
    const { store, log, faults } = await open();
    const moved = join(dir, 'inspectd.db.corrupt-20261202T053000Z');
    expect(readFileSync(moved).equals(damaged)).toBe(true);
    expect(store.stats().corrupt_moved_to).toBe(moved);

    const err = log.entries.find((e) => e.obj.code === 'STORE_CORRUPT');
    expect(err?.level).toBe('error');
    expect(err?.obj).toMatchObject({ database: dbFile(), moved_to: moved });
    expect((err?.obj.problems as string[]).length).toBeGreaterThan(0);
    expect(faults).toEqual([{ code: 'STORE_CORRUPT', fatal: false, message: expect.stringContaining(`moved it to ${moved}`) }]);

    for (let i = 1; i <= 3; i++) store.record(result(i));
    store.flush();
    expect(store.recent(10).map((r) => r.seq)).toEqual([3, 2, 1]);
    await store.close();
    expect(quickCheck(dbFile())).toBe('ok');
  });

  it('a crashed writer left a -wal: it moves with the file, both byte for byte (nothing checkpointed into the damaged file)', async () => {
    const { copyFileSync } = await import('node:fs');
    const live = join(dir, 'live.db');
    makeDatabase(live);
    const w = new Database(live);
    w.pragma('journal_mode = WAL');
    w.pragma('wal_autocheckpoint = 0');
    w.prepare('INSERT INTO filler (ts, text) VALUES (?, ?)').run(-1, 'committed, only in the wal');
    // Copy while the writer still holds the files: what a power cut leaves behind.
    copyFileSync(live, dbFile());
    copyFileSync(`${live}-wal`, `${dbFile()}-wal`);
    w.close();
    corruptPages(dbFile());
    const damaged = readFileSync(dbFile());
    const wal = readFileSync(`${dbFile()}-wal`);
    expect(wal.length).toBeGreaterThan(0);
    const { store } = await open();
    const moved = join(dir, 'inspectd.db.corrupt-20261202T053000Z');
    expect(readFileSync(moved).equals(damaged)).toBe(true);
    expect(readFileSync(`${moved}-wal`).equals(wal)).toBe(true);
    expect(store.recent(1)).toEqual([]);
  });

  it('never overwrites an earlier moved file: a second corrupt file in the same second gets its own name', async () => {
    corruptFile();
    await (await open()).store.close();
    const { rmSync } = await import('node:fs');
    for (const f of readdirSync(dir).filter((n) => n === 'inspectd.db' || n.startsWith('inspectd.db-'))) rmSync(join(dir, f));
    const second = corruptFile();
    await open();
    expect(readdirSync(dir).filter((n) => n.includes('.corrupt-')).sort()).toEqual(['inspectd.db.corrupt-20261202T053000Z', 'inspectd.db.corrupt-20261202T053000Z-2']);
    expect(readFileSync(join(dir, 'inspectd.db.corrupt-20261202T053000Z-2')).equals(second)).toBe(true);
  });

  it('a sound database is opened in place, nothing moved, no fault', async () => {
    const first = await open();
    first.store.record(result(1));
    await first.store.close();
    const { store, faults } = await open();
    expect(faults).toEqual([]);
    expect(store.stats().corrupt_moved_to).toBeNull();
    expect(store.recent(5).map((r) => r.seq)).toEqual([1]);
    expect(readdirSync(dir).some((n) => n.includes('.corrupt-'))).toBe(false);
  });
});

describe('store: writes that keep failing', () => {
  it('turn the store failing after failingAfter transactions in a row: one STORE_FAILING fault, counted, cleared by the next commit', async () => {
    const { store, log, faults } = await open({ busyTimeoutMs: 1, failingAfter: 3 });
    const other = new Database(dbFile());
    other.exec('BEGIN IMMEDIATE'); // holds the write lock: every row transaction fails
    store.record(result(1));
    store.flush();
    store.flush();
    expect(store.stats()).toMatchObject({ write_failures: 2, failing: false, failing_error: null });
    expect(faults).toEqual([]);
    store.flush();
    expect(store.stats()).toMatchObject({ write_failures: 3, failing: true, failing_error: expect.stringMatching(/^SQLITE_BUSY: /) });
    store.flush();
    store.flush();
    expect(faults).toEqual([{ code: 'STORE_FAILING', fatal: false, message: expect.stringMatching(/database writes keep failing \(3 transactions in a row, SQLITE_BUSY/) }]);
    expect(log.entries.filter((e) => e.obj.code === 'STORE_FAILING').map((e) => e.level)).toEqual(['error']);

    other.exec('COMMIT');
    other.close();
    store.flush();
    expect(store.stats()).toMatchObject({ write_failures: 5, failing: false, failing_error: null, written: 1, dropped: 0 });
    expect(log.codes()).toContain('STORE_RECOVERED');
  });

  it('rows still unwritten at close are counted as dropped (the daemon turns that into its exit code)', async () => {
    const { store } = await open({ busyTimeoutMs: 1 });
    const other = new Database(dbFile());
    other.exec('BEGIN IMMEDIATE');
    for (let i = 1; i <= 4; i++) store.record(result(i));
    await store.close();
    other.exec('ROLLBACK');
    other.close();
    expect(store.stats()).toMatchObject({ dropped: 4, written: 0, write_failures: 1 });
    expect(existsSync(dbFile())).toBe(true);
  });
});
