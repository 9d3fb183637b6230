import type { ModelCard } from '../model/index.js';
import type { Verdict } from '../domain/index.js';

/**
 * The decision rule, pure. A part passes only if it was inspected and its score reaches the
 * threshold; anything that could not be inspected is an `error`, which the PLC side treats as a
 * reject by default (fail-safe: an uninspected part must never be passed silently).
 */
export function decide(score: number | null, threshold: number): Verdict {
  if (score === null || !Number.isFinite(score)) return 'error';
  return score < threshold ? 'reject' : 'pass';
}

/** `auto` means the model card's good-only threshold; a number overrides it. */
export function resolveThreshold(setting: 'auto' | number, card: Pick<ModelCard, 'thresholds'>): number {
  return setting === 'auto' ? card.thresholds.good_only.value : setting;
}

