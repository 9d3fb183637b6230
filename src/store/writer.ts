import type { Database } from 'better-sqlite3';
import type { InspectionResult } from '../domain/index.js';
import type { WriteHealth } from './health.js';
import { countBatch, type MinuteStatements } from './minutes.js';
import { rowParams, type Statements } from './statements.js';
import type { OutboxMessage, SinkLog } from './types.js';
import { type ErrorCode, type StoreOperation } from '../platform/index.js';

/** Counters shared by the writer and the store facade (reported by Store.stats()). */
export interface StoreCounters {
  recorded: number;
  written: number;
  dropped: number;
  flushes: number;
  errors: number;
  outbox_dropped: number;
  retention_deleted: number;
}

/** Outbox state the writer and markDelivered both update. */
export interface OutboxState {
  /** Undelivered rows in the table (gauge kept in memory; re-synced by maintenance). */
  pending: number;
  max: number;
  listeners: Set<() => void>;
}

export interface WriterContext {
  db: Database;
  st: Statements;
  minutes: MinuteStatements;
  log: SinkLog;
  now: () => number;
  counters: StoreCounters;
  outbox: OutboxState;
  topicsFor?: (r: InspectionResult) => OutboxMessage[];
  health: WriteHealth;
  guard: <T>(what: StoreOperation, fn: () => T) => T | undefined;
  logError: (code: ErrorCode, err: unknown, extra?: Record<string, unknown>) => void;
}

export interface PendingRow {
  result: InspectionResult;
  queuedAt: number;
  /** 'saving': its JPEG is being written; the row waits (bounded) so it carries the path. */
  image: 'none' | 'saving' | 'done';
  /** Written before its image finished: the path is patched in by id afterwards. */
  rowid?: number;
}

export interface WriterOptions {
  batchSize: number;
  flushMs: number;
  maxQueue: number;
  imageWaitMs: number;
}

/**
 * Rows wait in memory and are committed together: one transaction per flush (every flushMs, or
 * at batchSize rows), synchronous, never spanning an await. Each transaction also inserts the
 * rows' MQTT outbox messages, so the DB and the outbox always agree.
 */
export class RowWriter {
  queue: PendingRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private stopped = false;

  constructor(
    private readonly ctx: WriterContext,
    private readonly o: WriterOptions,
  ) {}

  enqueue(p: PendingRow): void {
    this.queue.push(p);
    this.ctx.counters.recorded++;
    if (this.queue.length > this.o.maxQueue) {
      // Only reachable while the DB keeps failing: bound memory, count the loss.
      this.queue.shift();
      this.ctx.counters.dropped++;
      this.ctx.logError('STORE_QUEUE_FULL', new Error(`queue over ${this.o.maxQueue} rows; oldest dropped`));
    }
    if (this.queue.length >= this.o.batchSize) this.flushSoon();
    else this.schedule();
  }

  /** A row's image finished (path or null). */
  imageDone(p: PendingRow, path: string | null): void {
    p.result.image_path = path;
    p.image = 'done';
    // Written without it (waited too long): patch the row now.
    if (p.rowid !== undefined && path && !this.stopped) this.ctx.guard('image_path', () => this.ctx.st.setImagePath.run(path, p.rowid));
    const head = this.queue[0];
    if (head && head.image !== 'saving' && this.ctx.now() - head.queuedAt >= this.o.flushMs) this.flushSoon();
  }

  /** The quota deleted these files: queued rows must not point at them. */
  forget(gone: Set<string>): void {
    for (const p of this.queue) if (p.result.image_path && gone.has(p.result.image_path)) p.result.image_path = null;
  }

  /** Commit queued rows. Without `force`, stops at a row still waiting (briefly) for its image, keeping record() order. */
  flush(force: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0 || (this.stopped && !force)) return;
    const t = this.ctx.now();
    let n = 0;
    while (n < this.queue.length) {
      const p = this.queue[n];
      if (!force && p.image === 'saving' && t - p.queuedAt < this.o.imageWaitMs) break;
      n++;
    }
    if (n > 0) this.write(this.queue.slice(0, n), n);
    this.schedule();
  }

  /** Final flush, then no more timers. Returns rows that could not be written. */
  stop(): number {
    this.flush(true);
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    const lost = this.queue.length;
    this.queue = [];
    return lost;
  }

  private write(batch: PendingRow[], n: number): void {
    const prepared = batch.map((p) => ({ p, msgs: this.messagesFor(p.result) }));
    try {
      this.commit(prepared);
      this.queue.splice(0, n);
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_CONSTRAINT') && code !== 'SQLITE_MISMATCH' && !(err instanceof TypeError)) {
        // Disk full, I/O, busy, corruption: keep the rows and retry on the next flush.
        this.ctx.counters.errors++;
        this.ctx.logError('STORE_WRITE', err);
        this.ctx.health.failed(err);
        return;
      }
      // One bad row must not block the rest: write one by one, drop (and count) the bad ones.
      for (const item of prepared) {
        try {
          this.commit([item]);
        } catch (rowErr) {
          this.ctx.counters.errors++;
          this.ctx.counters.dropped++;
          this.ctx.logError('STORE_BAD_ROW', rowErr, { seq: item.p.result.seq });
        }
      }
      this.queue.splice(0, n);
    }
  }

  /** One transaction: inspection rows + their outbox messages, so MQTT never knows of a row the DB lost. */
  private commit(items: Array<{ p: PendingRow; msgs: OutboxMessage[] }>): void {
    const { db, st, outbox, counters } = this.ctx;
    const t = this.ctx.now();
    let added = 0;
    let dropped = 0;
    const rowids: Array<[PendingRow, number]> = [];
    db.transaction(() => {
      for (const { p, msgs } of items) {
        const info = st.insertInspection.run(rowParams(p.result));
        if (p.image === 'saving') rowids.push([p, Number(info.lastInsertRowid)]);
        for (const m of msgs) st.insertOutbox.run(m.topic, m.payload, m.qos, m.retain ? 1 : 0, t);
        added += msgs.length;
      }
      // The dashboard's per-minute counts move with the rows they count.
      for (const c of countBatch(items.map((i) => i.p.result))) this.ctx.minutes.add.run(c);
      const over = outbox.pending + added - outbox.max;
      if (over > 0) dropped = st.dropOldestPending.run(over).changes;
    })();
    // Only after commit: a rolled-back id may be reused by another row.
    for (const [p, id] of rowids) p.rowid = id;
    this.ctx.health.ok();
    outbox.pending += added - dropped;
    counters.outbox_dropped += dropped;
    counters.written += items.length;
    counters.flushes++;
    if (dropped > 0) this.ctx.log.warn({ code: 'STORE_OUTBOX_FULL', dropped, max: outbox.max }, 'outbox backlog bound reached; oldest undelivered messages dropped');
    if (added > 0) for (const l of outbox.listeners) this.ctx.guard('outbox_listener', l);
  }

  private messagesFor(result: InspectionResult): OutboxMessage[] {
    if (!this.ctx.topicsFor) return [];
    try {
      return this.ctx.topicsFor(result);
    } catch (err) {
      this.ctx.counters.errors++;
      this.ctx.logError('STORE_TOPICS', err, { seq: result.seq });
      return [];
    }
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0 || this.stopped) return;
    this.timer = setTimeout(() => this.flush(false), this.o.flushMs);
    this.timer.unref();
  }

  private flushSoon(): void {
    if (this.immediate || this.stopped) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.flush(false);
    });
  }
}
