/**
 * One sentence on how a threshold does on the parts people labelled in the review queue (from
 * /api/calibration and /api/histogram `labelled`): good parts it would reject, defects it would pass.
 */

interface Share { count: number; n: number; rate: number }
export interface Labelled { threshold: number; false_reject: Share; miss: Share; unscored: number; other_rule: number }

const pct = (s: Share) => (s.n ? ` (${(100 * s.rate).toFixed(1)} %)` : '');

export function labelledText(l: Labelled | null | undefined): string {
  if (!l) return 'No reviewed parts yet: mark parts on the Review page to see how a threshold does on them.';
  const n = l.false_reject.n + l.miss.n;
  const skipped = l.unscored + l.other_rule;
  const tail = skipped ? ` (${skipped} reviewed part${skipped === 1 ? '' : 's'} not counted: not inspected, or scored by another model rule)` : '';
  if (n === 0) return `None of the reviewed parts can be checked at this threshold${tail}.`;
  return `On the ${n} reviewed parts at ${l.threshold.toFixed(4)}: ${l.false_reject.count} of ${l.false_reject.n} good parts would be rejected${pct(l.false_reject)}, `
    + `${l.miss.count} of ${l.miss.n} defects would pass${pct(l.miss)}${tail}.`;
}
