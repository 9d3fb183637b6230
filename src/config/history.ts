import type { Config } from './schema.js';
import type { ErrorCode } from '../platform/index.js';

/**
 * Config that starts but does not do what it says (pure). storage.max_rows caps the rows
 * whatever their age, so at a high frame rate it, not retention_days, decides how far back
 * rows and images go: at 30 fps the default 2 M rows last about 18.5 hours, not 30 days.
 */

export interface ConfigWarning {
  code: ErrorCode;
  message: string;
  /** The numbers behind the message, for the JSON log line and validate-config --json. */
  figures: Record<string, number>;
}

/** Bytes a row takes with its indexes, as storage.max_rows' comment says (the shift bench's short synthetic rows take 117 B). */
const ROW_BYTES = 230;

export function configWarnings(c: Pick<Config, 'camera' | 'storage'>): ConfigWarning[] {
  const { max_rows: maxRows, retention_days: days } = c.storage;
  const fps = c.camera.fps;
  // fps 0: replay as fast as the pipeline goes, or a live camera at its own rate; nothing to go by.
  if (!(maxRows > 0 && fps > 0)) return [];
  const hoursKept = maxRows / fps / 3600;
  if (hoursKept >= days * 24) return [];
  const rowsNeeded = Math.ceil(days * 86_400 * fps);
  const kept = hoursKept < 48 ? `${round1(hoursKept)} h` : `${round1(hoursKept / 24)} days`;
  return [{
    code: 'CONFIG_HISTORY_SHORT',
    message:
      `storage.max_rows ${maxRows} at camera.fps ${fps} keeps about ${kept} of inspection rows and images, less than the ` +
      `${days} days storage.retention_days promises (shift totals and trends are kept for the ${days} days). ` +
      `For ${days} days set max_rows to ${rowsNeeded} (about ${round1((rowsNeeded * ROW_BYTES) / 1e9)} GB), or retention_days to ${round2(hoursKept / 24)}`,
    figures: { max_rows: maxRows, fps, hours_kept: round1(hoursKept), retention_days: days, rows_needed: rowsNeeded },
  }];
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number) => Math.floor(v * 100) / 100;
