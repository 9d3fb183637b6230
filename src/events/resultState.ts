import type { InspectionResult, Verdict } from '../domain/index.js';

/**
 * The last decided part and the counters since start, as the PLC-facing servers (Modbus TCP,
 * OPC UA) mirror them: one pure reducer over 'inspected' events, so both show the same numbers
 * for the same parts.
 */
export interface ResultState {
  /** Decided parts since start, 16-bit, wraps 65535 → 1 so 0 only ever means "nothing yet". */
  resultCounter: number;
  seq: number;
  verdict: Verdict | null;
  /** The decision score of the last part (InspectionResult.score); null before any part and for an error. */
  score: number | null;
  threshold: number | null;
  /** Capture time of the last part (ms since epoch), null before any part. */
  ts: number | null;
  inspected: number;
  rejected: number;
  errors: number;
}

export const initialState: Readonly<ResultState> = Object.freeze({
  resultCounter: 0, seq: 0, verdict: null, score: null, threshold: null, ts: null, inspected: 0, rejected: 0, errors: 0,
});

export function applyResult(s: Readonly<ResultState>, r: Pick<InspectionResult, 'seq' | 'score' | 'threshold' | 'verdict'> & { ts?: number }): ResultState {
  return {
    resultCounter: s.resultCounter >= 0xffff ? 1 : s.resultCounter + 1,
    seq: r.seq,
    verdict: r.verdict,
    score: r.verdict === 'error' ? null : r.score,
    threshold: r.threshold,
    ts: r.ts ?? null,
    inspected: s.inspected + 1,
    rejected: s.rejected + (r.verdict === 'reject' ? 1 : 0),
    errors: s.errors + (r.verdict === 'error' ? 1 : 0),
  };
}

/** Verdict as a number for PLCs: 0 pass, 1 reject, 2 error (could not inspect), 65535 none yet. */
export const NO_VERDICT = 0xffff;
export function verdictCode(v: Verdict | null): number {
  if (v === null) return NO_VERDICT;
  return v === 'pass' ? 0 : v === 'reject' ? 1 : 2;
}
