import type { Verdict } from '../domain/index.js';
import type { OutboxMessage } from './outboxTypes.js';

/**
 * Operator labels from the review queue: a person says whether an inspected part really was a
 * good part or a defect. They are the ground truth the threshold is checked against and the
 * images `inspectd export-dataset` turns into training/eval folders.
 */

export const LABELS = ['good', 'defect'] as const;
export type LabelValue = (typeof LABELS)[number];

/** Which part: seq alone restarts with the daemon, so the capture time (ms) goes with it. */
export interface PartKey {
  station: string;
  seq: number;
  /** The inspection's `ts` (wall-clock capture time, ms). */
  ts: number;
}

export interface LabelInput extends PartKey {
  label: LabelValue;
  who: string;
}

/** One label row: what the operator said, and what the station had decided for that part. */
export interface LabelRecord {
  id: number;
  station: string;
  seq: number;
  part_ts: number;
  label: LabelValue;
  who: string;
  /** When it was labelled (wall clock, ms). */
  ts: number;
  verdict: Verdict;
  score: number | null;
  score_rule: string | null;
  threshold: number;
  image_path: string | null;
  /** Null while it is the part's current label; when a relabel replaced it otherwise. */
  superseded_ts: number | null;
}

export type SetLabelResult =
  | { ok: true; changed: boolean; label: LabelRecord; previous: LabelRecord | null }
  | { ok: false; reason: 'no_part' };

/** MQTT messages for one new label (topic rules live in publish/labelTopic.ts). */
export type LabelTopicsFor = (label: LabelRecord, previous: LabelRecord | null) => OutboxMessage[];

/** A part offered for review: an inspection row with an image, and its current label. */
export interface ReviewItem {
  seq: number;
  ts: number;
  station: string;
  verdict: Verdict;
  /** 'reject' for rejects and errors; 'pass_sample' for a sampled pass (review.pass_every). */
  kind: 'reject' | 'pass_sample';
  score: number | null;
  score_rule: string | null;
  threshold: number;
  source: string;
  image_path: string;
  error_code: string | null;
  error_message: string | null;
  label: Pick<LabelRecord, 'label' | 'who' | 'ts'> | null;
}

export interface ReviewQueueOptions {
  station: string;
  limit: number;
  /** Every Nth pass (by seq) is a review sample; 0 = rejects only. */
  passEvery: number;
  /** Only parts nobody has labelled yet. */
  unlabelledOnly?: boolean;
}

export interface LabelledScores {
  good: number[];
  defect: number[];
  /** Labelled parts without a score (could not be inspected) or scored by another rule. */
  unscored: number;
  other_rule: number;
}

export interface LabelCounts {
  good: number;
  defect: number;
}

/** The labels table, on the store's own connection (the daemon stays the one writer). */
export interface LabelStore {
  /**
   * Label a part (latest wins; the previous label is kept as history). The label row and its
   * MQTT outbox message are one transaction. Throws on a database error (the caller answers it).
   */
  set(input: LabelInput): SetLabelResult;
  current(key: PartKey): LabelRecord | null;
  /** Every label the part has had, newest first. */
  history(key: PartKey): LabelRecord[];
  /** Current labels, newest label first; `sinceTs` filters on when they were labelled. */
  list(opts: { limit: number; sinceTs?: number; station?: string }): LabelRecord[];
  counts(station?: string): LabelCounts;
  /**
   * Decision scores of the current labels (newest `limit`) recorded under `scoreRule`: what a
   * threshold can be checked against. Labels of parts scored by another rule, or not scored
   * (errors), are only counted.
   */
  scores(scoreRule: string, opts?: { station?: string; limit?: number }): LabelledScores;
  /** Recent rejects and sampled passes that have a saved image, newest first, with their labels. */
  queue(opts: ReviewQueueOptions): ReviewItem[];
}

/** The pass sample rule, the same for saving (app.ts) and for the queue (SQL `seq % every = 0`). */
export function isPassSample(seq: number, every: number): boolean {
  return every > 0 && seq % every === 0;
}
