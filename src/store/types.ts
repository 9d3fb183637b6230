import type { Logger } from '../platform/index.js';
import type { Fault } from '../domain/index.js';
import type { InspectionResult, Verdict } from '../domain/index.js';
import type { LabelStore, LabelTopicsFor } from './labelTypes.js';
import type { OutboxMessage } from './outboxTypes.js';
import type { MinuteCounts, MinuteRow } from './minutes.js';

export type { MinuteCounts, MinuteRow } from './minutes.js';

/** The sinks' logger: the platform Logger (kept under this name for the store's and publisher's readers). */
export type SinkLog = Logger;

export type { OutboxMessage } from './outboxTypes.js';

export interface OutboxRow extends OutboxMessage {
  id: number;
  created_ts: number;
}

/** A frame to save as evidence: the frame beside the frame with an SSIM heatmap overlay. */
export interface RejectImageInput {
  /** 8-bit HWC interleaved pixels (the preprocessed, resized frame). */
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
  /** SSIM map, row-major, values ≤ 1 (low = different). Size mapWidth×mapHeight (default width×height). */
  map?: Float32Array | null;
  mapWidth?: number;
  mapHeight?: number;
  seq: number;
  /** Wall-clock ms; names the day folder (UTC) and the file. */
  ts: number;
  verdict: Verdict;
}

/** A store condition the operator must see (raised on MQTT `fault` and the dashboard). */
export type StoreFault = Fault;

/** A runtime setting (MQTT/dashboard) kept across restarts; values are JSON-able. */
export interface StoredSetting {
  name: string;
  value: unknown;
  /** The config.yaml value it was applied over (a different one at start means config was edited since). */
  config_value: unknown;
  ts: number;
  who: string;
}

export interface StoreOptions {
  database: string;
  imagesDir: string;
  /** Delete inspections (and their images) older than this. 0 = keep forever. */
  retentionDays: number;
  /** Keep at most about this many inspection rows (oldest deleted at maintenance). 0 = no cap. */
  retentionMaxRows?: number;
  /** Cap on the saved-images folder; oldest images go first. 0 = never save images. */
  imagesQuotaMb: number;
  /** Rows per transaction that trigger an early flush. Default 100. */
  batchSize?: number;
  /** Max time a recorded row waits in memory before its transaction. Default 200 ms. */
  flushMs?: number;
  /** MQTT messages for one result (topic rules live in publish/). Default: none. */
  topicsFor?: (result: InspectionResult) => OutboxMessage[];
  /** MQTT messages for a new operator label, written in the label's transaction. Default: none. */
  labelTopicsFor?: LabelTopicsFor;
  /** Delivered outbox rows are kept this long for diagnosis. Default 1 h. */
  outboxRetentionHours?: number;
  /** Bound on undelivered outbox rows; beyond it the oldest are dropped and counted. Default 200 000. */
  outboxMaxPending?: number;
  /** Bound on rows waiting in memory (DB failing); beyond it the oldest are dropped and counted. Default 10 000. */
  maxQueue?: number;
  /** After an image write error, stop saving images this long. Default 60 s. */
  imageBackoffMs?: number;
  /** A row whose image is still being encoded waits at most this long to carry its path (and close() for JPEGs). Default 500 ms. */
  imageWaitMs?: number;
  /** Age retention + outbox retention period. Default 1 h. */
  maintenanceMs?: number;
  /** SQLite busy_timeout. The store is the only writer; another process writing (a CLI) waits this long. Default 5 s. */
  busyTimeoutMs?: number;
  /** Consecutive failed row transactions after which the store counts as failing (fault raised, health down). Default 3. */
  failingAfter?: number;
  /** A corrupt file moved aside at open, or row writes that keep failing. */
  onFault?: (fault: StoreFault) => void;
  /** Wall clock, injectable for retention tests. */
  now?: () => number;
  log: SinkLog;
}

export interface InspectionRow {
  id: number;
  ts: number;
  station: string;
  seq: number;
  source: string;
  /** The decision score; rows from before schema v4 have theirs here too (moved from `ssim`). */
  score: number | null;
  /** Null on rows written before schema v4 (the rule was not recorded then). */
  score_rule: string | null;
  /** Mean SSIM when it was computed (see InspectionResult.ssim); null on rows before schema v4. */
  ssim: number | null;
  threshold: number;
  verdict: Verdict;
  latency_ms: number;
  image_path: string | null;
  error_code: string | null;
  error_message: string | null;
  preprocess_ms: number | null;
  infer_ms: number | null;
  score_ms: number | null;
}

export interface ThresholdChange {
  ts: number;
  station: string;
  old: number | null;
  new: number;
  /** Who asked: 'mqtt', 'cli', 'config', a user name … */
  who: string;
  reason?: string | null;
}

/** A reject image finished saving (path) or will not be saved (null: off, paused, failed). */
export interface ImageSaved {
  station: string;
  seq: number;
  ts: number;
  path: string | null;
}

export interface VerdictCounts {
  pass: number;
  reject: number;
  error: number;
  total: number;
}

/** Counters for metrics and the stats line. Monotonic unless noted. */
export interface StoreStats {
  /** Rows handed to record(). */
  recorded: number;
  /** Rows committed. */
  written: number;
  /** Rows waiting in memory now (gauge). */
  queued: number;
  /** Rows lost: the in-memory queue overflowed while the DB failed, a bad row, or still unwritten at close. */
  dropped: number;
  flushes: number;
  /** Failed transactions / queries. */
  errors: number;
  /** Row transactions that failed and were kept for a retry (disk full, I/O, corruption). */
  write_failures: number;
  /** Row writes keep failing now (gauge): the record is falling behind. */
  failing: boolean;
  /** The last write error while failing, else null. */
  failing_error: string | null;
  /** Where open moved a corrupt database file, else null. */
  corrupt_moved_to: string | null;
  images_saved: number;
  image_errors: number;
  /** Images not saved because saving was paused after an error. */
  images_skipped: number;
  /** Images deleted by quota or retention. */
  images_deleted: number;
  /** Saved-images folder size now, bytes (gauge). */
  images_bytes: number;
  /** Saving paused after a write error (gauge). */
  images_paused: boolean;
  /** Undelivered outbox rows now (gauge). */
  outbox_pending: number;
  /** Undelivered outbox rows dropped by the backlog bound. */
  outbox_dropped: number;
  /** Inspection rows deleted by age retention. */
  retention_deleted: number;
}

/*
 * The store's roles. Each consumer is handed the one it uses (its type says what it may do);
 * `Store` is what the SQLite adapter implements and the composition root holds: all of them.
 */

/** What the pipeline writes (the composition root's onInspected, operator commands). */
export interface InspectionLog {
  /** Queue a row (and its outbox messages). With `image`, the JPEG is saved first so the row carries its path. Never throws. */
  record(result: InspectionResult, image?: RejectImageInput): void;
  /** Written at once (rare, must not be lost). Never throws. */
  recordThresholdChange(change: ThresholdChange): void;
  /** Commit queued rows now (a row whose JPEG is still being written may wait for the next flush). Never throws. */
  flush(): void;
  /** Wait for JPEGs being written (≤ imageWaitMs), then commit every queued row. For shutdown, before the publisher drains the outbox. Never rejects. */
  drain(): Promise<void>;
}

/** Reject images given to record(), as they finish: the dashboard links them once written. */
export interface ImageNotices {
  /** True while the image given to record() for this part is being written (asked in the same turn as record(); onImageSaved follows). */
  imageSaving(seq: number, ts: number): boolean;
  /** Called when an image given to record() is written (or given up). Returns an unsubscribe function. */
  onImageSaved(listener: (e: ImageSaved) => void): () => void;
}

/** What the MQTT publisher reads and acknowledges (publish/ declares the same shape as OutboxPort). */
export interface Outbox {
  /** Undelivered outbox rows with id > afterId, in id order. */
  outboxPending(limit: number, afterId?: number): OutboxRow[];
  outboxPendingCount(): number;
  markDelivered(ids: readonly number[]): void;
  /** Called after each commit that added outbox rows. Returns an unsubscribe function. */
  onOutboxWritten(listener: () => void): () => void;
}

/** Runtime settings kept across restarts (daemon/settings.ts, the plant adapters' sequence numbers). */
export interface SettingsStore {
  /** Runtime settings saved by saveSetting (empty when the table cannot be read). */
  settings(): StoredSetting[];
  /** Insert or replace one runtime setting. Written at once. Never throws. */
  saveSetting(setting: StoredSetting): void;
}

/** Read-only queries over committed rows (the dashboard, the stats line, the shift bench). */
export interface StoreReads {
  /** Operator labels from the review queue (labels.ts). */
  readonly labels: LabelStore;
  /** Newest committed rows first. */
  recent(limit: number): InspectionRow[];
  counts(sinceTs?: number): VerdictCounts;
  /** Per-minute counts of committed rows with ts in [from, to) (whole minutes), oldest first; empty minutes left out. Kept for retention_days, not cut by max_rows. */
  minuteCounts(station: string, from: number, to: number): MinuteRow[];
  /** The same counts summed over [from, to). */
  totals(station: string, from: number, to: number): MinuteCounts;
  thresholdChanges(limit: number): ThresholdChange[];
  stats(): StoreStats;
}

/** Owned by whoever opened the store. */
export interface StoreLifecycle {
  /** Age retention, outbox retention, image quota (also runs on open and every maintenanceMs). */
  runMaintenance(): Promise<void>;
  /** Finish image writes (bounded), flush, close the DB. Idempotent. */
  close(): Promise<void>;
}

/** The SQLite adapter's full surface: every role above. */
export type Store = InspectionLog & ImageNotices & Outbox & SettingsStore & StoreReads & StoreLifecycle;

/**
 * The adapter as its own tests see it: the Store plus a direct image save, to exercise the image
 * archive. Not exported by the door (index.ts), which hands out only the Store.
 */
export interface ArchivingStore extends Store {
  /** Write a side-by-side JPEG; relative path, or null when not saved (paused, quota 0, error). Never rejects. */
  saveRejectImage(image: RejectImageInput): Promise<string | null>;
}

/**
 * The store as the dashboard sees it: queries, label review, image notifications and counters.
 * It never records rows, touches the outbox or closes the store, and its type says so.
 */
export type StoreQueries = Omit<StoreReads, 'counts'> & ImageNotices;
