import type { DashboardConfig } from '../config/index.js';
import type { MinuteCounts } from '../store/index.js';

/**
 * Rates for people and the status badge (pure). Reject rate: rejected / inspected (parts the
 * model decided on); not-inspected rate: (errors + dropped) / all frames. Each has a normal
 * band; the badge turns amber or red when a rate over the last `window_min` minutes leaves it.
 */

export interface Band {
  /** %, at or above: amber. */
  amber: number;
  /** %, at or above: red. */
  red: number;
}

export interface Bands {
  window_min: number;
  min_parts: number;
  reject: Band & { from: 'config' | 'model card' | 'default' };
  error: Band;
}

export interface Rates {
  /** Every frame: pass + reject + error + dropped. */
  parts: number;
  /** Decided by the model: pass + reject. */
  inspected: number;
  yield_pct: number | null;
  reject_pct: number | null;
  error_pct: number | null;
}

export type Level = 'ok' | 'amber' | 'red' | 'quiet';

export interface Badge {
  level: Level;
  /** Plain sentences, worst first ("Reject rate 18 % in the last 15 min (normal: under 15.6 %)"). */
  reasons: string[];
  window_min: number;
  rates: Rates;
}

const pct = (n: number, d: number) => (d > 0 ? (100 * n) / d : null);

export function rates(c: MinuteCounts): Rates {
  const parts = c.pass + c.reject + c.error + c.dropped;
  const inspected = c.pass + c.reject;
  return { parts, inspected, yield_pct: pct(c.pass, parts), reject_pct: pct(c.reject, inspected), error_pct: pct(c.error + c.dropped, parts) };
}

/** Without a card figure: 5 % of parts rejected is already a lot on most lines, 10 % needs someone now. */
const FALLBACK_REJECT: Band = { amber: 5, red: 10 };

/**
 * The reject band. `auto`: amber at the upper 95 % bound of the card's expected false-reject
 * rate — more rejects than good parts alone explain even with bad luck, so defects or drift —
 * red at twice that (the shipped casting card: 15.6 % and 31.1 %).
 */
export function resolveBands(cfg: DashboardConfig['bands'], calibration: Record<string, unknown> | undefined): Bands {
  let reject: Bands['reject'];
  if (cfg.reject_rate_pct !== 'auto') reject = { ...cfg.reject_rate_pct, from: 'config' };
  else {
    const upper = cardFalseRejectUpper(calibration);
    reject = upper === null ? { ...FALLBACK_REJECT, from: 'default' } : { amber: round1(100 * upper), red: round1(Math.min(100, 200 * upper)), from: 'model card' };
  }
  return { window_min: cfg.window_min, min_parts: cfg.min_parts, reject, error: { ...cfg.error_rate_pct } };
}

function cardFalseRejectUpper(calibration: Record<string, unknown> | undefined): number | null {
  const e = calibration?.expected_false_reject_rate as { value?: unknown; ci95_wilson?: unknown } | undefined;
  const ci = Array.isArray(e?.ci95_wilson) ? e.ci95_wilson[1] : e?.value;
  return typeof ci === 'number' && Number.isFinite(ci) && ci > 0 && ci < 1 ? ci : null;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const LEVELS: Level[] = ['quiet', 'ok', 'amber', 'red'];

function levelOf(v: number | null, b: Band): Level {
  if (v === null) return 'ok';
  return v >= b.red ? 'red' : v >= b.amber ? 'amber' : 'ok';
}

export function badge(window: MinuteCounts, b: Bands): Badge {
  const r = rates(window);
  const base = { window_min: b.window_min, rates: r };
  if (r.parts < b.min_parts) {
    return { ...base, level: 'quiet', reasons: [`${r.parts} part${r.parts === 1 ? '' : 's'} in the last ${b.window_min} min: too few to judge (at least ${b.min_parts})`] };
  }
  const checks = [
    { what: 'Reject rate', v: r.reject_pct, band: b.reject },
    { what: 'Parts not inspected', v: r.error_pct, band: b.error },
  ].map((c) => ({ ...c, level: levelOf(c.v, c.band) }));
  const level = checks.reduce<Level>((w, c) => (LEVELS.indexOf(c.level) > LEVELS.indexOf(w) ? c.level : w), 'ok');
  const reasons = checks
    .filter((c) => c.level !== 'ok')
    .sort((a, z) => LEVELS.indexOf(z.level) - LEVELS.indexOf(a.level))
    .map((c) => `${c.what} ${fmtPct(c.v)} in the last ${b.window_min} min (normal: under ${c.band.amber} %)`);
  return { ...base, level, reasons };
}

export const fmtPct = (v: number | null) => (v === null ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} %`);
