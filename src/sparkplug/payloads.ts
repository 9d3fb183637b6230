import type { ResultState } from '../events/index.js';

/**
 * Sparkplug B topics and payload contents as pure data (the protobuf encoding is the
 * sparkplug-payload package's, in node.ts). Metric names are documented in README.md
 * "Sparkplug B"; SCADA tags are bound to them, so renaming one breaks the host side.
 */

export const NAMESPACE = 'spBv1.0';

export interface SparkplugIds {
  group: string;
  node: string;
  device: string;
}

export function topics(ids: SparkplugIds) {
  const n = `${NAMESPACE}/${ids.group}`;
  return {
    nbirth: `${n}/NBIRTH/${ids.node}`,
    ndeath: `${n}/NDEATH/${ids.node}`,
    ncmd: `${n}/NCMD/${ids.node}`,
    dbirth: `${n}/DBIRTH/${ids.node}/${ids.device}`,
    ddata: `${n}/DDATA/${ids.node}/${ids.device}`,
  };
}

export const METRIC = {
  bdSeq: 'bdSeq',
  rebirth: 'Node Control/Rebirth',
  station: 'Properties/Station',
  inspected: 'Counts/Inspected',
  passed: 'Counts/Passed',
  rejected: 'Counts/Rejected',
  errors: 'Counts/Errors',
  rejectRate: 'Counts/Reject Rate',
  seq: 'Last/Seq',
  verdict: 'Last/Verdict',
  score: 'Last/Score',
  threshold: 'Last/Threshold',
} as const;

/** The subset of sparkplug-payload's UMetric / UPayload we build (kept structural so this file imports no package). */
export interface Metric {
  name: string;
  type: 'UInt64' | 'Double' | 'String' | 'Boolean';
  value: number | string | boolean | null;
  isNull?: boolean;
  timestamp?: number;
  properties?: Record<string, { type: 'String'; value: string }>;
}
export interface Payload {
  timestamp: number;
  seq?: number;
  metrics: Metric[];
}

/** Message sequence number: 0 in every NBIRTH, +1 on each later message of the session, 255 → 0. */
export class SeqCounter {
  private n = 0;
  /** The NBIRTH's 0; the next message gets 1. */
  birth(): number {
    this.n = 1;
    return 0;
  }
  next(): number {
    const s = this.n;
    this.n = (this.n + 1) % 256;
    return s;
  }
}

/** Birth/death sequence: +1 for each MQTT CONNECT (attempt), 0..255. */
export const nextBdSeq = (prev: number | null): number => (prev === null || !Number.isInteger(prev) ? 0 : (prev + 1) % 256);

export function nodeBirth(bdSeq: number, station: string, ts: number): Payload {
  return {
    timestamp: ts,
    seq: 0,
    metrics: [
      { name: METRIC.bdSeq, type: 'UInt64', value: bdSeq, timestamp: ts },
      { name: METRIC.rebirth, type: 'Boolean', value: false, timestamp: ts },
      { name: METRIC.station, type: 'String', value: station, timestamp: ts },
    ],
  };
}

/** The will: no seq (Sparkplug B), only the bdSeq that ties it to its NBIRTH. */
export function nodeDeath(bdSeq: number, ts: number): Payload {
  return { timestamp: ts, metrics: [{ name: METRIC.bdSeq, type: 'UInt64', value: bdSeq, timestamp: ts }] };
}

/** Every device metric for a result state: all of them in DBIRTH, and in each DDATA (they change together per part). */
export function deviceMetrics(s: Readonly<ResultState>, ts: number): Metric[] {
  const nullable = (name: string, type: Metric['type'], v: number | string | null): Metric =>
    v === null || (typeof v === 'number' && !Number.isFinite(v)) ? { name, type, value: null, isNull: true, timestamp: ts } : { name, type, value: v, timestamp: ts };
  const passed = Math.max(0, s.inspected - s.rejected - s.errors);
  return [
    { name: METRIC.inspected, type: 'UInt64', value: s.inspected, timestamp: ts },
    { name: METRIC.passed, type: 'UInt64', value: passed, timestamp: ts },
    { name: METRIC.rejected, type: 'UInt64', value: s.rejected, timestamp: ts },
    { name: METRIC.errors, type: 'UInt64', value: s.errors, timestamp: ts },
    // Since start, in percent: the same figure as the Home Assistant reject-rate sensor.
    { name: METRIC.rejectRate, type: 'Double', value: s.inspected ? (s.rejected / s.inspected) * 100 : 0, timestamp: ts, properties: { engUnit: { type: 'String', value: '%' } } },
    nullable(METRIC.seq, 'UInt64', s.verdict === null ? null : s.seq),
    nullable(METRIC.verdict, 'String', s.verdict),
    nullable(METRIC.score, 'Double', s.verdict === null ? null : s.score),
    nullable(METRIC.threshold, 'Double', s.threshold),
  ];
}

/** True for an NCMD asking for a rebirth ("Node Control/Rebirth" = true). */
export function isRebirth(p: { metrics?: Array<{ name?: string | null; value?: unknown }> | null }): boolean {
  return (p.metrics ?? []).some((m) => m.name === METRIC.rebirth && m.value === true);
}
