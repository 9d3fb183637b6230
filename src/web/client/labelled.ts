/**
 * One sentence on how a threshold does on the parts people labelled in the review queue (from
 * /api/calibration and /api/histogram `labelled`): good parts it would reject, defects it would pass.
 */

interface Share { count: number; n: number; rate: number }
export interface Labelled { threshold: number; false_reject: Share; miss: Share; unscored: number; other_rule: number }

const parts = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const pct = (s: Share) => `${(100 * s.rate).toFixed(1)} %`;

export function labelledText(l: Labelled | null | undefined): string {
  if (!l) return 'No reviewed parts yet: mark parts on the Review page to see how a threshold does on them.';
  const n = l.false_reject.n + l.miss.n;
  const skipped = l.unscored + l.other_rule;
  const tail = skipped ? ` (${parts(skipped, 'reviewed part')} not counted: not inspected, or scored by another model rule)` : '';
  if (n === 0) return `None of the reviewed parts can be checked at this threshold${tail}.`;
  const good = l.false_reject.n ? `${l.false_reject.count} of ${parts(l.false_reject.n, 'good part')} would be rejected (${pct(l.false_reject)})` : 'no good part reviewed yet';
  const bad = l.miss.n ? `${l.miss.count} of ${parts(l.miss.n, 'defect')} would pass (${pct(l.miss)})` : 'no defect reviewed yet';
  return `On the ${parts(n, 'reviewed part')}, at ${l.threshold.toFixed(4)}: ${good}; ${bad}${tail}.`;
}
