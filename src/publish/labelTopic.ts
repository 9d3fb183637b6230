/**
 * The `label` topic: one message per operator label from the review queue, written to the SQLite
 * outbox in the label's own transaction (so a broker outage delays it, never loses it).
 *
 * QoS 1, NOT retained. A label is an event about one part, like `result`: a retained message
 * keeps only the last one per topic, so a new subscriber would get one arbitrary old part's label
 * and take it for news. Consumers that need every label read SQLite (`labels`) or
 * `inspectd export-dataset`; relabels arrive as new messages with `previous` set.
 */
import type { LabelRecord } from '../store/index.js';
import type { OutboxMessage } from '../store/index.js';
import { topicFor } from './topics.js';

export interface LabelPayload {
  station: string;
  /** The part: its seq and capture time (ms), as in `result`. */
  seq: number;
  ts: number;
  label: LabelRecord['label'];
  /** The previous label when this one replaced it, else null. */
  previous: LabelRecord['label'] | null;
  who: string;
  /** When it was labelled (wall clock, ms). */
  labelled_ts: number;
  /** What the station had decided for the part. */
  verdict: LabelRecord['verdict'];
  score: number | null;
  score_rule: string | null;
  threshold: number;
  image_path: string | null;
}

export function labelPayload(l: LabelRecord, previous: LabelRecord | null): LabelPayload {
  return {
    station: l.station, seq: l.seq, ts: l.part_ts, label: l.label, previous: previous?.label ?? null, who: l.who, labelled_ts: l.ts,
    verdict: l.verdict, score: l.score, score_rule: l.score_rule, threshold: l.threshold, image_path: l.image_path,
  };
}

/** The store's `labelTopicsFor`. */
export function labelTopics(prefix: string): (l: LabelRecord, previous: LabelRecord | null) => OutboxMessage[] {
  return (l, previous) => [{ topic: topicFor(prefix, l.station, 'label'), payload: JSON.stringify(labelPayload(l, previous)), qos: 1, retain: false }];
}
