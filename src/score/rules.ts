import { InspectdError } from '../platform/index.js';
import type { ComboPart, ScoreRule } from './ruleSchema.js';
import { quantile } from './stats.js';

/**
 * The score rules of the model card (see `ScoreRuleSchema` in src/model/card.ts), the same
 * arithmetic as training/ssim.py `score_from_maps`, so a threshold calibrated in training
 * means the same thing here. Every score is "higher = more like a good part".
 */

export interface ScoreInputs {
  /** Model input in [0,1], planar C×H×W. */
  input: ArrayLike<number>;
  /** Reconstruction in [0,1], planar C×H×W. */
  recon: ArrayLike<number>;
  /** Full-size (uncropped) SSIM map, H×W, averaged over channels. */
  ssimMap: ArrayLike<number>;
  width: number;
  height: number;
  channels: number;
  /** SSIM crop per side, (win-1)/2; 5 for the 11-tap window. */
  pad?: number;
  /** Two-stage models: anomaly probability map, H×W (higher = more anomalous). */
  anomaly?: ArrayLike<number>;
}

/** Problems with a rule's parameters for maps of this size (empty = usable). */
export function scoreRuleProblems(rule: ScoreRule | ComboPart, width: number, height: number, pad = 5): string[] {
  const problems: string[] = [];
  if (rule.rule === 'combo') {
    const parts = 'parts' in rule ? rule.parts : undefined;
    if (!parts || parts.length === 0) return ['rule combo needs "parts"'];
    parts.forEach((p, i) => {
      for (const m of scoreRuleProblems(p, width, height, pad)) problems.push(`parts[${i}]: ${m}`);
    });
    return problems;
  }
  if (rule.rule === 'anomaly_max') {
    if (rule.pool === undefined) problems.push('rule anomaly_max needs "pool"');
    else if (rule.pool > width || rule.pool > height) problems.push(`pool ${rule.pool} exceeds the ${width}×${height} anomaly map`);
    return problems;
  }
  const cw = width - 2 * pad;
  const ch = height - 2 * pad;
  if (cw < 1 || ch < 1) problems.push(`the ${width}×${height} map has nothing left after cropping ${pad} px per side`);
  const needPool = rule.rule === 'ssim_pool_min' || rule.rule === 'residual_pool';
  if (needPool && rule.pool === undefined) problems.push(`rule ${rule.rule} needs "pool"`);
  if (rule.rule === 'ssim_pool_min' && rule.pool !== undefined && (rule.pool > cw || rule.pool > ch)) {
    problems.push(`pool ${rule.pool} exceeds the cropped ${cw}×${ch} SSIM map`);
  }
  if (rule.rule === 'residual_pool' && rule.pool !== undefined && (rule.pool > width || rule.pool > height)) {
    problems.push(`pool ${rule.pool} exceeds the ${width}×${height} residual map`);
  }
  if (rule.rule === 'ssim_quantile' && rule.q === undefined) problems.push('rule ssim_quantile needs "q"');
  if (rule.rule === 'residual_pool' && rule.sign === undefined) problems.push('rule residual_pool needs "sign"');
  return problems;
}

/** The card's score for one frame. Throws MODEL_SCORE_RULE when the rule cannot apply. */
export function score(rule: ScoreRule | ComboPart, s: ScoreInputs): number {
  const pad = s.pad ?? 5;
  const problems = scoreRuleProblems(rule, s.width, s.height, pad);
  if (problems.length) throw new InspectdError('MODEL_SCORE_RULE', `score rule ${rule.rule}: ${problems.join('; ')}`, { rule, problems });
  const { width: W, height: H } = s;
  const cw = W - 2 * pad;
  const ch = H - 2 * pad;
  switch (rule.rule) {
    case 'ssim_mean': {
      let sum = 0;
      for (let i = pad; i < H - pad; i++) for (let j = pad; j < W - pad; j++) sum += s.ssimMap[i * W + j];
      return sum / (cw * ch);
    }
    case 'ssim_pool_min':
      return boxMeanExtreme(s.ssimMap, W, pad, pad, cw, ch, rule.pool!, 'min');
    case 'ssim_quantile': {
      const crop = scratch(cw * ch, 1);
      for (let i = 0; i < ch; i++) for (let j = 0; j < cw; j++) crop[i * cw + j] = s.ssimMap[(i + pad) * W + j + pad];
      return quantile(crop.subarray(0, cw * ch), rule.q!);
    }
    case 'residual_pool':
      return 1 - boxMeanExtreme(residual(s, rule.sign!), W, 0, 0, W, H, rule.pool!, 'max');
    case 'anomaly_max':
      if (!s.anomaly || s.anomaly.length !== W * H) {
        throw new InspectdError('MODEL_SCORE_RULE', `score rule anomaly_max needs the model's ${W}×${H} anomaly map, got ${s.anomaly ? s.anomaly.length : 'none'}`);
      }
      return 1 - boxMeanExtreme(s.anomaly, W, 0, 0, W, H, rule.pool!, 'max');
    case 'combo': {
      // Robust z per part: each signal's spread on good parts sets its weight, so no signal
      // dominates by units alone; 0 is a typical good part, negative is worse.
      const parts = (rule as ScoreRule).parts!;
      let z = 0;
      for (const p of parts) z += (score(p, s) - p.median) / p.scale;
      // Logistic of the mean z: bounded (0, 1) like every other score, 0.5 = a typical good part.
      return 1 / (1 + Math.exp(-z / parts.length));
    }
  }
}

/**
 * The map a residual rule decides on, for heatmaps: 1 - min(1, 2·r) per pixel (low = bad, as an
 * SSIM map reads), r the rule's signed residual; a residual of 0.5 shows full red.
 */
export function residualHeat(s: ScoreInputs, sign: 'dark' | 'bright' | 'abs'): Float32Array {
  const r = residual(s, sign);
  const out = new Float32Array(r.length);
  for (let i = 0; i < r.length; i++) out[i] = 1 - Math.min(1, 2 * r[i]);
  return out;
}

/** r = mean over channels of the signed residual (dark / bright / abs), H×W. */
function residual(s: ScoreInputs, sign: 'dark' | 'bright' | 'abs'): Float64Array {
  const n = s.width * s.height;
  const C = s.channels;
  if (s.input.length !== n * C || s.recon.length !== n * C) {
    throw new InspectdError('MODEL_SCORE_RULE', `residual needs ${C}×${s.height}×${s.width} values, got ${s.input.length} and ${s.recon.length}`);
  }
  const r = scratch(n, 2);
  r.fill(0, 0, n);
  for (let c = 0; c < C; c++) {
    const o = c * n;
    for (let i = 0; i < n; i++) {
      const d = s.recon[o + i] - s.input[o + i];
      r[i] += sign === 'dark' ? (d > 0 ? d : 0) : sign === 'bright' ? (d < 0 ? -d : 0) : Math.abs(d);
    }
  }
  for (let i = 0; i < n; i++) r[i] /= C;
  return r.subarray(0, n);
}

/**
 * Min or max of the k×k box means (stride 1, 'valid') over the w×h region at (x0, y0) of a
 * row-major array with row stride `stride`, via a summed-area table: O(w·h) whatever k is.
 */
export function boxMeanExtreme(src: ArrayLike<number>, stride: number, x0: number, y0: number, w: number, h: number, k: number, mode: 'min' | 'max'): number {
  if (!(k >= 1 && k <= w && k <= h)) throw new RangeError(`box ${k}×${k} does not fit a ${w}×${h} region`);
  const sw = w + 1;
  const sat = scratch(sw * (h + 1), 0);
  sat.fill(0, 0, sw);
  for (let i = 0; i < h; i++) {
    let row = 0;
    const so = (i + 1) * sw;
    const po = i * sw;
    const s = (y0 + i) * stride + x0;
    sat[so] = 0;
    for (let j = 0; j < w; j++) {
      row += src[s + j];
      sat[so + j + 1] = sat[po + j + 1] + row;
    }
  }
  let best = mode === 'min' ? Infinity : -Infinity;
  for (let i = 0; i + k <= h; i++) {
    const top = i * sw;
    const bot = (i + k) * sw;
    for (let j = 0; j + k <= w; j++) {
      const sum = sat[bot + j + k] - sat[top + j + k] - sat[bot + j] + sat[top + j];
      if (mode === 'min' ? sum < best : sum > best) best = sum;
    }
  }
  return best / (k * k);
}

/**
 * Grow-only scratch buffers (three slots: SAT, crop, residual). Scoring runs for every frame;
 * reusing these avoids ~100 KB of garbage per frame. Not observable from outside: JS is
 * single-threaded per isolate and no buffer is returned to a caller.
 */
const slots: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0)];
function scratch(n: number, slot: number): Float64Array {
  if (slots[slot].length < n) slots[slot] = new Float64Array(n);
  return slots[slot];
}
