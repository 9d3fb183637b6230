import { readFileSync } from 'node:fs';
import type { ScoreRule } from '../../src/model/card.js';

/** Reference values written by test/fixtures/score/make_golden.py (skimage / scipy / numpy). */
export interface GoldenSsim {
  name: string;
  width: number;
  height: number;
  channels: number;
  /** 1.5 (11 taps, the unrolled kernel) or 1.0 (9 taps, the generic kernel). */
  sigma: number;
  /** Crop per side, (win-1)/2. */
  pad: number;
  x: number[];
  y: number[];
  mean: number;
  map: number[];
  /** An anomaly probability map (H×W) for the two-stage rules. */
  anomaly: number[];
  rules: { rule: ScoreRule; value: number }[];
}

export interface GoldenStats {
  name: string;
  good: number[];
  defect: number[];
  auroc: number;
  quantiles: { q: number; value: number }[];
  histogram: { bins: number; counts: number[]; edges: number[] };
}

export const golden = JSON.parse(readFileSync(new URL('../fixtures/score/golden.json', import.meta.url), 'utf8')) as {
  ssim: GoldenSsim[];
  stats: GoldenStats[];
};

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
