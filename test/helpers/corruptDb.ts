/**
 * Test helper: a real SQLite file of many pages, then garbage written over pages in its middle
 * (the header page is kept, so SQLite opens it and only a page check finds the damage).
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Create `file` with `rows` inspection-like rows (rollback journal, no -wal left behind). Returns its page count. */
export function makeDatabase(file: string, rows = 3000): number {
  const db = new Database(file);
  db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, text TEXT NOT NULL)');
  const ins = db.prepare('INSERT INTO filler (ts, text) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(i, `row ${i} `.repeat(8));
  })();
  db.exec('CREATE INDEX filler_ts ON filler (ts)');
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.close();
  return pages;
}

/** Overwrite `count` pages starting at the middle page with a byte pattern that is no valid b-tree page. */
export function corruptPages(file: string, count = 4): void {
  const pageSize = 4096;
  const pages = Math.floor(statSync(file).size / pageSize);
  if (pages < count + 3) throw new Error(`${file}: only ${pages} pages, too few to corrupt the middle`);
  const garbage = Buffer.alloc(pageSize * count);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff;
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, garbage, 0, garbage.length, Math.floor(pages / 2) * pageSize);
  } finally {
    closeSync(fd);
  }
}

/** quick_check's first line on a read-only connection ('ok' when sound); a thrown SQLITE_CORRUPT is returned as its message. */
export function quickCheck(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return String(db.pragma('quick_check', { simple: true }));
  } catch (err) {
    return (err as Error).message;
  } finally {
    db.close();
  }
}
