import type { Database, Statement } from 'better-sqlite3';
import type { LabelCounts, LabelInput, LabelledScores, LabelRecord, LabelStore, LabelTopicsFor, PartKey, ReviewItem, ReviewQueueOptions, SetLabelResult } from './labelTypes.js';
import type { OutboxState } from './writer.js';
import { type StoreOperation } from '../platform/index.js';

export interface LabelDeps {
  db: Database;
  now: () => number;
  outbox: OutboxState;
  topicsFor?: LabelTopicsFor;
  /** Counts outbox rows the backlog bound dropped (StoreStats.outbox_dropped). */
  onOutboxDropped: (n: number) => void;
  /** The store's guard: a failing listener is counted and logged, and the label stays saved. */
  guard: <T>(what: StoreOperation, fn: () => T) => T | undefined;
}

/**
 * The review queue looks this far back (newest first) among the rejects, and among the passes
 * that have an image (partial index inspections_saved, schema v5), so one poll costs a bounded
 * index scan whatever the table holds.
 */
export const REJECT_WINDOW = 5_000;
export const PASS_WINDOW = 20_000;

const COLS = 'seq, ts, station, verdict, score, score_rule, threshold, source, image_path, error_code, error_message';
const UNLABELLED = `(? = 0 OR NOT EXISTS (SELECT 1 FROM labels l WHERE l.station = i.station AND l.seq = i.seq AND l.part_ts = i.ts AND l.superseded_ts IS NULL))`;

type Row = Omit<ReviewItem, 'kind' | 'label'>;

export class SqliteLabels implements LabelStore {
  private readonly st: Record<'part' | 'current' | 'history' | 'insert' | 'supersede' | 'insertOutbox' | 'dropOldestPending' | 'list' | 'counts' | 'scores' | 'rejects' | 'passes', Statement>;

  constructor(private readonly d: LabelDeps) {
    const { db } = d;
    this.st = {
      part: db.prepare(`SELECT ${COLS} FROM inspections WHERE ts = ? AND seq = ? AND station = ? ORDER BY id DESC LIMIT 1`),
      current: db.prepare('SELECT * FROM labels WHERE station = ? AND seq = ? AND part_ts = ? AND superseded_ts IS NULL'),
      history: db.prepare('SELECT * FROM labels WHERE station = ? AND seq = ? AND part_ts = ? ORDER BY id DESC'),
      insert: db.prepare(`
        INSERT INTO labels (station, seq, part_ts, label, who, ts, verdict, score, score_rule, threshold, image_path)
        VALUES (@station, @seq, @part_ts, @label, @who, @ts, @verdict, @score, @score_rule, @threshold, @image_path) RETURNING *`),
      supersede: db.prepare('UPDATE labels SET superseded_ts = ? WHERE id = ?'),
      insertOutbox: db.prepare('INSERT INTO outbox (topic, payload, qos, retain, created_ts) VALUES (?, ?, ?, ?, ?)'),
      dropOldestPending: db.prepare('DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE delivered_ts IS NULL ORDER BY id LIMIT ?)'),
      list: db.prepare('SELECT * FROM labels WHERE superseded_ts IS NULL AND ts >= ? AND (? IS NULL OR station = ?) ORDER BY ts DESC, id DESC LIMIT ?'),
      counts: db.prepare('SELECT label, count(*) AS n FROM labels WHERE superseded_ts IS NULL AND (? IS NULL OR station = ?) GROUP BY label'),
      scores: db.prepare('SELECT label, score, score_rule FROM labels WHERE superseded_ts IS NULL AND (? IS NULL OR station = ?) ORDER BY ts DESC, id DESC LIMIT ?'),
      rejects: db.prepare(`
        SELECT * FROM (SELECT id, ${COLS} FROM inspections WHERE verdict = ? ORDER BY ts DESC LIMIT ${REJECT_WINDOW}) i
        WHERE i.image_path IS NOT NULL AND i.station = ? AND ${UNLABELLED} ORDER BY i.ts DESC LIMIT ?`),
      // The window is read from the index alone (ts, verdict, seq, rowid); only its samples are fetched.
      passes: db.prepare(`
        SELECT ${COLS.split(', ').map((c) => `i.${c}`).join(', ')}
        FROM (SELECT id, seq, ts FROM inspections INDEXED BY inspections_saved WHERE image_path IS NOT NULL AND verdict = 'pass' ORDER BY ts DESC LIMIT ${PASS_WINDOW}) w
        JOIN inspections i ON i.id = w.id
        WHERE w.seq % ? = 0 AND i.station = ? AND ${UNLABELLED} ORDER BY w.ts DESC LIMIT ?`),
    };
  }

  set(input: LabelInput): SetLabelResult {
    const part = this.st.part.get(input.ts, input.seq, input.station) as Row | undefined;
    if (!part) return { ok: false, reason: 'no_part' };
    const t = this.d.now();
    let out: SetLabelResult = { ok: false, reason: 'no_part' };
    let added = 0;
    let dropped = 0;
    this.d.db.transaction(() => {
      const previous = this.current(input);
      // The same answer again (a double tap, a second look) changes nothing and publishes nothing.
      if (previous && previous.label === input.label) {
        out = { ok: true, changed: false, label: previous, previous: null };
        return;
      }
      if (previous) this.st.supersede.run(t, previous.id);
      const label = this.st.insert.get({
        station: input.station, seq: input.seq, part_ts: input.ts, label: input.label, who: input.who, ts: t,
        verdict: part.verdict, score: part.score, score_rule: part.score_rule, threshold: part.threshold, image_path: part.image_path,
      }) as LabelRecord;
      for (const m of this.d.topicsFor?.(label, previous) ?? []) {
        this.st.insertOutbox.run(m.topic, m.payload, m.qos, m.retain ? 1 : 0, t);
        added++;
      }
      const over = this.d.outbox.pending + added - this.d.outbox.max;
      if (over > 0) dropped = this.st.dropOldestPending.run(over).changes;
      out = { ok: true, changed: true, label, previous: previous ? { ...previous, superseded_ts: t } : null };
    })();
    // Only after the commit, as the row writer does: listeners read what is in the table.
    this.d.outbox.pending += added - dropped;
    if (dropped > 0) this.d.onOutboxDropped(dropped);
    if (added > 0) for (const l of this.d.outbox.listeners) this.d.guard('outbox_listener', l);
    return out;
  }

  current(key: PartKey): LabelRecord | null {
    return (this.st.current.get(key.station, key.seq, key.ts) as LabelRecord | undefined) ?? null;
  }

  history(key: PartKey): LabelRecord[] {
    return this.st.history.all(key.station, key.seq, key.ts) as LabelRecord[];
  }

  list(opts: { limit: number; sinceTs?: number; station?: string }): LabelRecord[] {
    const station = opts.station ?? null;
    return this.st.list.all(opts.sinceTs ?? 0, station, station, opts.limit) as LabelRecord[];
  }

  counts(station?: string): LabelCounts {
    const out: LabelCounts = { good: 0, defect: 0 };
    for (const r of this.st.counts.all(station ?? null, station ?? null) as Array<{ label: keyof LabelCounts; n: number }>) out[r.label] = r.n;
    return out;
  }

  scores(scoreRule: string, opts: { station?: string; limit?: number } = {}): LabelledScores {
    const out: LabelledScores = { good: [], defect: [], unscored: 0, other_rule: 0 };
    const station = opts.station ?? null;
    type R = Pick<LabelRecord, 'label' | 'score' | 'score_rule'>;
    for (const r of this.st.scores.all(station, station, opts.limit ?? 20_000) as R[]) {
      if (r.score === null) out.unscored++;
      else if (r.score_rule !== scoreRule) out.other_rule++;
      else out[r.label].push(r.score);
    }
    return out;
  }

  queue(o: ReviewQueueOptions): ReviewItem[] {
    const only = o.unlabelledOnly ? 1 : 0;
    const rows: Array<Row & { kind: ReviewItem['kind'] }> = [];
    for (const verdict of ['reject', 'error']) {
      for (const r of this.st.rejects.all(verdict, o.station, only, o.limit) as Row[]) rows.push({ ...r, kind: 'reject' });
    }
    if (o.passEvery > 0) for (const r of this.st.passes.all(o.passEvery, o.station, only, o.limit) as Row[]) rows.push({ ...r, kind: 'pass_sample' });
    rows.sort((a, b) => b.ts - a.ts || b.seq - a.seq);
    return rows.slice(0, o.limit).map((r) => {
      const l = this.current(r);
      const { id: _id, ...rest } = r as Row & { id?: number; kind: ReviewItem['kind'] };
      return { ...rest, label: l ? { label: l.label, who: l.who, ts: l.ts } : null };
    });
  }
}
