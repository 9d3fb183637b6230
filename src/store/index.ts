/** The store's door: the SQLite inspection log, outbox, labels and settings. */
import type { Store, StoreOptions } from './types.js';

export { PANEL_GAP, sideBySide } from './heatmap.js';
export { LABELS, isPassSample } from './labelTypes.js';
export type { LabelRecord, LabelValue } from './labelTypes.js';
export type { StoreOptions, ImageSaved, InspectionRow, MinuteCounts, MinuteRow, OutboxMessage, OutboxRow, SinkLog, Store, StoreQueries, StoredSetting } from './types.js';
export type { ImageNotices, InspectionLog, Outbox, SettingsStore, StoreLifecycle, StoreReads } from './types.js';

/** Opens the SQLite store. better-sqlite3 is native: it loads here, on the first open, not when the door is imported. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const { openStore: open } = await import('./sqlite.js');
  return open(opts);
}
