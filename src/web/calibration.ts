import { describeRule, goodOnlyThreshold, type GoodOnlyRule } from '../score/index.js';
import { histogram, type Histogram } from './scores.js';

/**
 * The calibration workflow behind the page: the operator runs N known-good parts, their scores
 * are recorded as they are inspected, and the threshold is proposed with the model card's own
 * good-only rule (the rule training chose, as `inspectd calibrate` applies it). Applying goes
 * through the command handler like any other threshold change; this class only records.
 */

export const CALIBRATION_MIN = 5;
export const CALIBRATION_MAX = 10_000;

export type CalibrationState = 'idle' | 'recording' | 'done';

export interface CalibrationView {
  state: CalibrationState;
  target: number;
  count: number;
  /** Frames that could not be inspected while recording (not used for the threshold). */
  skipped: number;
  started_ts: number | null;
  finished_ts: number | null;
  rule: string;
  /** Proposed threshold once recording is done (also a running estimate while recording, from ≥ 2 scores). */
  proposed: number | null;
  histogram: Histogram;
  /** What the proposed threshold would have rejected among the recorded good parts. */
  proposed_rejects: number | null;
}

export class Calibration {
  private state: CalibrationState = 'idle';
  private target = 0;
  private scores: number[] = [];
  private skipped = 0;
  private startedTs: number | null = null;
  private finishedTs: number | null = null;

  constructor(private readonly rule: GoodOnlyRule, private readonly now: () => number = Date.now) {}

  /** Start (or restart) recording the next n inspected frames. Throws RangeError on a bad n. */
  start(n: number): void {
    if (!Number.isInteger(n) || n < CALIBRATION_MIN || n > CALIBRATION_MAX) {
      throw new RangeError(`n must be an integer between ${CALIBRATION_MIN} and ${CALIBRATION_MAX}`);
    }
    this.state = 'recording';
    this.target = n;
    this.scores = [];
    this.skipped = 0;
    this.startedTs = this.now();
    this.finishedTs = null;
  }

  cancel(): void {
    this.state = 'idle';
    this.scores = [];
    this.target = 0;
    this.skipped = 0;
    this.startedTs = null;
    this.finishedTs = null;
  }

  /** One inspected frame; returns true when this frame finished the recording. */
  add(score: number | null): boolean {
    if (this.state !== 'recording') return false;
    if (score === null || !Number.isFinite(score)) {
      this.skipped++;
      return false;
    }
    this.scores.push(score);
    if (this.scores.length < this.target) return false;
    this.state = 'done';
    this.finishedTs = this.now();
    return true;
  }

  get recording(): boolean {
    return this.state === 'recording';
  }

  /** The threshold to apply, or null unless recording is done. */
  proposal(): number | null {
    return this.state === 'done' ? goodOnlyThreshold(this.scores, this.rule) : null;
  }

  view(bins = 30): CalibrationView {
    const proposed = this.scores.length >= 2 ? goodOnlyThreshold(this.scores, this.rule) : null;
    return {
      state: this.state,
      target: this.target,
      count: this.scores.length,
      skipped: this.skipped,
      started_ts: this.startedTs,
      finished_ts: this.finishedTs,
      rule: describeRule(this.rule),
      proposed,
      histogram: histogram(this.scores, bins, undefined, proposed === null ? [] : [proposed]),
      proposed_rejects: proposed === null ? null : this.scores.filter((s) => s < proposed).length,
    };
  }
}
