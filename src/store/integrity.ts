import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InspectdError, errorMessage } from '../platform/index.js';
import type { SinkLog, StoreFault } from './types.js';

/** What open found wrong with the file it then moved aside (null when the file was sound). */
export interface CorruptFile {
  movedTo: string;
  problems: string[];
}

export interface OpenedDatabase {
  db: Database.Database;
  corrupt: CorruptFile | null;
}

const SIDECARS = ['-wal', '-shm'] as const;
const MAX_PROBLEMS = 10;

/**
 * Open the database and prove its pages are readable (PRAGMA quick_check) before anything writes
 * to it. A file whose pages are damaged is the plant's quality record: it is never written over
 * nor deleted; it is renamed `<name>.corrupt-<UTC timestamp>` (its -wal/-shm with it, so the
 * moved copy opens with its last commits) and a fresh database is started, loudly. A file that
 * is not SQLite at all (a wrong path, SQLITE_NOTADB) is refused (STORE_OPEN) instead: renaming
 * a file we do not own would be worse than not starting.
 */
export function openChecked(path: string, busyTimeoutMs: number, log: SinkLog, now: () => number, onFault?: (f: StoreFault) => void): OpenedDatabase {
  // Checked on a read-only connection: it neither checkpoints a -wal into the file on close nor
  // sets journal_mode (which writes the header), so a corrupt file is moved aside exactly as found.
  const problems = path === ':memory:' || !existsSync(path) ? [] : inspect(path);
  if (problems.length === 0) return { db: configure(new Database(path), busyTimeoutMs), corrupt: null };
  const movedTo = moveAside(path, now());
  const message = `database ${path} is corrupt (${problems[0]}${problems.length > 1 ? ` and ${problems.length - 1} more` : ''}); moved it to ${movedTo} and started a new, empty database. The moved file is kept for recovery (sqlite3 ${movedTo} .recover)`;
  log.error({ code: 'STORE_CORRUPT', database: path, moved_to: movedTo, problems }, message);
  onFault?.({ code: 'STORE_CORRUPT', message, fatal: false });
  return { db: configure(new Database(path), busyTimeoutMs), corrupt: { movedTo, problems } };
}

function inspect(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return checkPages(db);
  } finally {
    db.close();
  }
}

function configure(db: Database.Database, busyTimeoutMs: number): Database.Database {
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(busyTimeoutMs))}`);
    // WAL: readers (CLI, HTTP) never block the writer; NORMAL: a commit survives a process kill
    // (power loss may drop the last commits, never corrupt).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** quick_check's findings (empty when sound). Damage bad enough to make the check itself fail counts as a finding. */
function checkPages(db: Database.Database): string[] {
  try {
    const rows = db.pragma(`quick_check(${MAX_PROBLEMS})`) as Array<{ quick_check: string }>;
    return rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  } catch (err) {
    if (isCorruption(err)) return [errorMessage(err)];
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new InspectdError('STORE_OPEN', `cannot open database ${db.name}: not a SQLite database (check storage.database; the file was left untouched)`, { database: db.name }, { cause: err });
    }
    throw err;
  }
}

function isCorruption(err: unknown): boolean {
  return (err as { code?: string }).code === 'SQLITE_CORRUPT';
}

/** Rename the file (and its -wal/-shm) to `<name>.corrupt-<timestamp>`; never overwrites an earlier one. */
function moveAside(path: string, ts: number): string {
  const stamp = new Date(ts).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let target = `${path}.corrupt-${stamp}`;
  for (let i = 2; existsSync(target); i++) target = `${path}.corrupt-${stamp}-${i}`;
  renameSync(path, target);
  for (const s of SIDECARS) if (existsSync(path + s)) renameSync(path + s, target + s);
  return target;
}
