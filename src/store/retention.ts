import type { Database } from 'better-sqlite3';
import type { Statements } from './statements.js';
import type { ImageArchive } from './images.js';
import { minuteOf, type MinuteStatements } from './minutes.js';
import type { StoreOptions } from './types.js';
import type { OutboxState, StoreCounters } from './writer.js';
import type { StoreOperation } from '../platform/index.js';

/** Rows per DELETE: one pass after a long downtime must not hold the write lock (and the event loop) for long. */
export const RETENTION_CHUNK = 5_000;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

type Run = <T>(what: StoreOperation, fn: () => T) => T | undefined;

/**
 * Delete inspections with ts < cutoff, chunk by chunk, then their image files and whole day
 * folders older than the cutoff (which also catches images whose rows were never committed).
 * Returns the number of rows deleted. `run` wraps each DB step so a failure is counted, not thrown.
 */
export async function deleteOlderThan(st: Statements, archive: ImageArchive, cutoff: number, run: Run, isClosed: () => boolean): Promise<number> {
  let deleted = 0;
  for (;;) {
    if (isClosed()) return deleted;
    const rows = run('retention', () => st.deleteOlderThan.all(cutoff, RETENTION_CHUNK) as Array<{ image_path: string | null }>);
    if (!rows) break;
    deleted += rows.length;
    await archive.remove(rows.flatMap((r) => (r.image_path ? [r.image_path] : [])));
    if (rows.length < RETENTION_CHUNK) break;
    await new Promise((r) => setImmediate(r));
  }
  await archive.removeDaysBefore(cutoff);
  return deleted;
}

export interface MaintenanceContext {
  db: Database;
  st: Statements;
  minutes: MinuteStatements;
  archive: ImageArchive;
  opts: StoreOptions;
  now: () => number;
  counters: StoreCounters;
  outbox: OutboxState;
  guard: Run;
  isClosed: () => boolean;
}

/** One maintenance pass: age retention, the row cap, outbox retention, the image quota. */
export async function maintain(c: MaintenanceContext): Promise<void> {
  const t = c.now();
  if (c.opts.retentionDays > 0) {
    const cutoff = t - c.opts.retentionDays * DAY_MS;
    c.counters.retention_deleted += await deleteOlderThan(c.st, c.archive, cutoff, c.guard, c.isClosed);
    // Minute counts go by age only (not by the row cap below): shift totals stay whole for as
    // long as retention_days promises, however many rows the cap removed.
    c.guard('minutes_retention', () => c.minutes.deleteBefore.run(minuteOf(cutoff)));
  }
  if (c.isClosed()) return;
  // Row cap: age alone does not bound the file at high frame rates (≈230 B a row with indexes).
  // Cut at the capture time of the newest row beyond the cap and reuse the age path, which also
  // removes the rows' images.
  const maxRows = c.opts.retentionMaxRows ?? 0;
  if (maxRows > 0) {
    const edge = c.guard('row_cap', () => c.db.prepare('SELECT ts FROM inspections ORDER BY id DESC LIMIT 1 OFFSET ?').get(maxRows) as { ts: number } | undefined);
    if (edge) c.counters.retention_deleted += await deleteOlderThan(c.st, c.archive, edge.ts + 1, c.guard, c.isClosed);
  }
  if (c.isClosed()) return;
  const keepMs = (c.opts.outboxRetentionHours ?? 1) * HOUR_MS;
  c.guard('outbox_retention', () => c.st.deleteDeliveredBefore.run(t - keepMs));
  // Re-sync the gauge with the table (cheap via the partial index).
  c.guard('outbox_count', () => (c.outbox.pending = c.st.outboxPendingCount.get() as number));
  await c.archive.scan();
  await c.archive.enforceQuota();
}
