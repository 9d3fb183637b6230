import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InspectdError, errorMessage, storeOperationCode, type ErrorCode, type StoreOperation } from '../platform/index.js';
import type { InspectionResult } from '../domain/index.js';
import { WriteHealth } from './health.js';
import { ImageArchive } from './images.js';
import { openChecked, type CorruptFile } from './integrity.js';
import { migrate } from './migrations.js';
import { minuteRows, minuteTotals, prepareMinuteStatements, type MinuteCounts, type MinuteRow, type MinuteStatements } from './minutes.js';
import { maintain } from './retention.js';
import { prepareStatements, type Statements } from './statements.js';
import { RowWriter, type OutboxState, type PendingRow, type StoreCounters } from './writer.js';
import type {
  ArchivingStore, ImageSaved, InspectionRow, OutboxRow, RejectImageInput, SinkLog, Store, StoreOptions, StoreStats, StoredSetting, ThresholdChange, VerdictCounts,
} from './types.js';
import { SqliteLabels } from './labels.js';

const HOUR_MS = 3_600_000;

/**
 * Open (check, create, migrate) the SQLite log; a corrupt file is moved aside (integrity.ts).
 * Throws InspectdError STORE_OPEN / STORE_SCHEMA_TOO_NEW: a daemon that cannot keep its record
 * must not start. After open, nothing the store does throws.
 */
export async function openStore(opts: StoreOptions): Promise<ArchivingStore> {
  let db: Database.Database | undefined;
  let corrupt: CorruptFile | null = null;
  try {
    if (opts.database !== ':memory:') mkdirSync(dirname(opts.database), { recursive: true });
    ({ db, corrupt } = openChecked(opts.database, opts.busyTimeoutMs ?? 5_000, opts.log, opts.now ?? Date.now, opts.onFault));
    migrate(db);
  } catch (err) {
    db?.close();
    if (err instanceof InspectdError) throw err;
    throw new InspectdError('STORE_OPEN', `cannot open database ${opts.database}: ${errorMessage(err)}`, { database: opts.database }, { cause: err });
  }
  const store = new SqliteStore(db, opts, corrupt?.movedTo ?? null);
  await store.runMaintenance();
  store.startTimers();
  return store;
}

class SqliteStore implements ArchivingStore {
  private readonly st: Statements;
  private readonly minutes: MinuteStatements;
  private readonly imageListeners = new Set<(e: ImageSaved) => void>();
  private readonly now: () => number;
  private readonly log: SinkLog;
  private readonly archive: ImageArchive;
  private readonly writer: RowWriter;
  private readonly imageWaitMs: number;
  private readonly outbox: OutboxState;
  private readonly counters: StoreCounters = { recorded: 0, written: 0, dropped: 0, flushes: 0, errors: 0, outbox_dropped: 0, retention_deleted: 0 };
  private readonly imageJobs = new Set<Promise<unknown>>();
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private maintenance: Promise<void> | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private lastErrorLog = 0;
  private readonly health: WriteHealth;
  readonly labels: SqliteLabels;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: StoreOptions,
    private readonly corruptMovedTo: string | null,
  ) {
    this.st = prepareStatements(db);
    this.minutes = prepareMinuteStatements(db);
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    this.health = new WriteHealth({ failingAfter: Math.max(1, opts.failingAfter ?? 3), now: this.now, log: this.log, onFault: opts.onFault, queued: () => this.writer.queue.length });
    this.imageWaitMs = opts.imageWaitMs ?? 500;
    this.outbox = { pending: this.st.outboxPendingCount.get() as number, max: Math.max(1, opts.outboxMaxPending ?? 200_000), listeners: new Set() };
    const batchSize = Math.max(1, opts.batchSize ?? 100);
    this.writer = new RowWriter(
      {
        db,
        st: this.st,
        minutes: this.minutes,
        log: this.log,
        now: this.now,
        counters: this.counters,
        outbox: this.outbox,
        topicsFor: opts.topicsFor,
        health: this.health,
        guard: (what, fn) => this.guard(what, fn),
        logError: (code, err, extra) => this.logError(code, err, extra),
      },
      { batchSize, flushMs: Math.max(1, opts.flushMs ?? 200), maxQueue: Math.max(batchSize, opts.maxQueue ?? 10_000), imageWaitMs: this.imageWaitMs },
    );
    this.archive = new ImageArchive({
      dir: opts.imagesDir,
      quotaBytes: Math.max(0, opts.imagesQuotaMb) * 1024 * 1024,
      backoffMs: opts.imageBackoffMs ?? 60_000,
      now: this.now,
      log: opts.log,
      onEvicted: (paths) => this.forgetImages(paths),
    });
    this.labels = new SqliteLabels({ db, now: this.now, outbox: this.outbox, topicsFor: opts.labelTopicsFor, onOutboxDropped: (n) => (this.counters.outbox_dropped += n), guard: (w, fn) => this.guard(w, fn) });
  }

  /** The quota deleted these files: no row, written or still queued, may point at them. */
  private forgetImages(paths: string[]): void {
    this.writer.forget(new Set(paths));
    if (!this.closed) this.guard('evict', () => this.db.transaction(() => paths.forEach((p) => this.st.clearImagePath.run(p)))());
  }

  startTimers(): void {
    this.maintenanceTimer = setInterval(() => void this.runMaintenance(), this.opts.maintenanceMs ?? HOUR_MS);
    this.maintenanceTimer.unref();
  }

  record(result: InspectionResult, image?: RejectImageInput): void {
    if (this.closed) {
      this.counters.dropped++;
      this.logError('STORE_CLOSED', new Error('record() after close'));
      return;
    }
    const p: PendingRow = { result: { ...result }, queuedAt: this.now(), image: 'none' };
    if (image) {
      p.image = 'saving';
      this.trackImage(this.archive.save(image).then((path) => {
        this.writer.imageDone(p, path);
        for (const l of this.imageListeners) this.guard('image_listener', () => l({ station: result.station, seq: result.seq, ts: result.ts, path }));
      }));
    }
    this.writer.enqueue(p);
  }

  saveRejectImage(image: RejectImageInput): Promise<string | null> {
    return this.trackImage(this.archive.save(image));
  }

  recordThresholdChange(c: ThresholdChange): void {
    this.guard('threshold_change', () => this.st.insertThresholdChange.run({ ...c, reason: c.reason ?? null }));
  }

  flush(): void {
    if (!this.closed) this.writer.flush(false);
  }

  async drain(): Promise<void> {
    if (this.closed) return;
    await this.settleImages();
    if (!this.closed) this.writer.flush(true);
  }

  /** Let JPEGs being written land so their rows carry paths, but never wait longer than imageWaitMs. */
  private async settleImages(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.imageJobs]), new Promise((r) => (timer = setTimeout(r, this.imageWaitMs)))]);
    clearTimeout(timer);
  }

  private trackImage<T>(job: Promise<T>): Promise<T> {
    this.imageJobs.add(job);
    void job.finally(() => this.imageJobs.delete(job)).catch(() => undefined);
    return job;
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
      await this.settleImages();
      await this.maintenance?.catch(() => undefined);
      const lost = this.writer.stop();
      this.closed = true;
      if (lost > 0) {
        this.counters.dropped += lost;
        this.log.error({ code: 'STORE_CLOSE', lost }, 'rows could not be written before close');
      }
      this.guard('optimize', () => this.db.pragma('optimize'));
      this.guard('close', () => this.db.close());
    })();
    return this.closing;
  }

  recent(limit: number): InspectionRow[] {
    return this.st.recent.all(limit) as InspectionRow[];
  }

  counts(sinceTs = 0): VerdictCounts {
    const out: VerdictCounts = { pass: 0, reject: 0, error: 0, total: 0 };
    for (const r of this.st.countsSince.all(sinceTs) as Array<{ verdict: 'pass' | 'reject' | 'error'; n: number }>) {
      out[r.verdict] = r.n;
      out.total += r.n;
    }
    return out;
  }

  minuteCounts(station: string, from: number, to: number): MinuteRow[] {
    return (!this.closed && this.guard('minutes', () => minuteRows(this.minutes, station, from, to))) || [];
  }

  totals(station: string, from: number, to: number): MinuteCounts {
    return (!this.closed && this.guard('totals', () => minuteTotals(this.minutes, station, from, to))) || { pass: 0, reject: 0, error: 0, dropped: 0 };
  }

  imageSaving(seq: number, ts: number): boolean {
    return this.writer.queue.some((p) => p.image === 'saving' && p.result.seq === seq && p.result.ts === ts);
  }

  onImageSaved(listener: (e: ImageSaved) => void): () => void {
    this.imageListeners.add(listener);
    return () => this.imageListeners.delete(listener);
  }

  thresholdChanges(limit: number): ThresholdChange[] {
    return this.st.thresholdChanges.all(limit) as ThresholdChange[];
  }

  settings(): StoredSetting[] {
    type Raw = Omit<StoredSetting, 'value' | 'config_value'> & { value: string; config_value: string };
    const parse = (r: Raw): StoredSetting => ({ ...r, value: JSON.parse(r.value) as unknown, config_value: JSON.parse(r.config_value) as unknown });
    return this.guard('settings', () => (this.st.settings.all() as Raw[]).map(parse)) ?? [];
  }

  saveSetting(s: StoredSetting): void {
    if (this.closed) return;
    this.guard('setting', () => this.st.saveSetting.run({ ...s, value: JSON.stringify(s.value), config_value: JSON.stringify(s.config_value ?? null) }));
  }

  outboxPending(limit: number, afterId = 0): OutboxRow[] {
    if (this.closed) return [];
    const rows = this.st.outboxPending.all(afterId, limit) as Array<Omit<OutboxRow, 'retain'> & { retain: number }>;
    return rows.map((r) => ({ ...r, retain: r.retain === 1 }));
  }

  outboxPendingCount(): number {
    return this.outbox.pending;
  }

  markDelivered(ids: readonly number[]): void {
    if (ids.length === 0 || this.closed) return;
    const t = this.now();
    this.guard('mark_delivered', () => {
      let n = 0;
      this.db.transaction(() => ids.forEach((id) => (n += this.st.markDelivered.run(t, id).changes)))();
      this.outbox.pending -= n;
    });
  }

  onOutboxWritten(listener: () => void): () => void {
    this.outbox.listeners.add(listener);
    return () => this.outbox.listeners.delete(listener);
  }

  runMaintenance(): Promise<void> {
    this.maintenance ??= this.maintain().finally(() => (this.maintenance = null));
    return this.maintenance;
  }

  private maintain(): Promise<void> {
    return maintain({
      db: this.db, st: this.st, minutes: this.minutes, archive: this.archive, opts: this.opts, now: this.now, counters: this.counters, outbox: this.outbox,
      guard: (w, fn) => this.guard(w, fn), isClosed: () => this.closed,
    });
  }

  stats(): StoreStats {
    const a = this.archive;
    return {
      ...this.counters,
      queued: this.writer.queue.length,
      images_saved: a.saved,
      image_errors: a.errors,
      images_skipped: a.skipped,
      images_deleted: a.deleted,
      images_bytes: a.bytes,
      images_paused: a.paused,
      outbox_pending: this.outbox.pending,
      write_failures: this.health.failures,
      failing: this.health.failing,
      failing_error: this.health.error,
      corrupt_moved_to: this.corruptMovedTo,
    };
  }

  /** Run a DB step whose failure must be counted and logged, never thrown to a sink caller. */
  private guard<T>(what: StoreOperation, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.counters.errors++;
      this.logError(storeOperationCode(what), err);
      return undefined;
    }
  }

  /** Errors repeat on every flush while a disk is full: log the first, then at most every 10 s. */
  private logError(code: ErrorCode, err: unknown, extra: Record<string, unknown> = {}): void {
    const t = this.now();
    if (t - this.lastErrorLog < 10_000 && this.lastErrorLog !== 0) return;
    this.lastErrorLog = t;
    this.log.error({ code, err: errorMessage(err), errors: this.counters.errors, queued: this.writer.queue.length, ...extra }, 'store error');
  }
}
