import type { Statements } from './statements.js';
import type { ImageArchive } from './images.js';

/** Rows per DELETE: one pass after a long downtime must not hold the write lock (and the event loop) for long. */
export const RETENTION_CHUNK = 5_000;

/**
 * Delete inspections with ts < cutoff, chunk by chunk, then their image files and whole day
 * folders older than the cutoff (which also catches images whose rows were never committed).
 * Returns the number of rows deleted. `run` wraps each DB step so a failure is counted, not thrown.
 */
export async function deleteOlderThan(
  st: Statements,
  archive: ImageArchive,
  cutoff: number,
  run: <T>(what: string, fn: () => T) => T | undefined,
  isClosed: () => boolean,
): Promise<number> {
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
