/// <reference lib="dom" />
import { $, el, fmtDay, fmtHm, fmtInt, fmtPct, fmtScore, fmtTime, getJson, latestOnly, setZone, text } from './dom.js';
import { drawHistogram } from './histogram.js';
import { drawTrend } from './trend.js';
import type { HistogramReply, Latest, ShiftSummary, Totals, Trend } from './types.js';
import { technical } from './views.js';

/**
 * The shift view, in words a supervisor uses: the last part's verdict in large type, whether the
 * line is in its normal band (and why not), totals for the last hour / this shift / today, the
 * trend of the reject rate, the last shifts side by side, and how the recent parts scored.
 */

type Range = 'hour' | 'shift' | 'today';
let range: Range = (localStorage.getItem('inspectd.range') as Range | null) ?? 'shift';
let last: ShiftSummary | null = null;

const VERDICT_WORDS: Record<string, string> = { pass: 'Good part', reject: 'Rejected', error: 'Not inspected' };
const STATUS_WORDS = { ok: 'Normal', amber: 'Watch', red: 'Act now', quiet: 'Waiting for parts' };

export function showBigVerdict(l: Latest | null): void {
  if (!l) return;
  const v = $('big-verdict');
  v.textContent = VERDICT_WORDS[l.verdict] ?? l.verdict;
  v.className = `verdict ${l.verdict}`;
  text('big-meta', `part #${l.seq} at ${fmtTime(l.ts)}`);
  text('big-score', fmtScore(l.score));
  text('big-thr', fmtScore(l.threshold));
  text('big-rule', l.score_rule);
}

const span = (w: Totals) => `${fmtDay(w.start)}, ${fmtHm(w.start)}–${fmtHm(w.end)}`;

function showTotals(s: ShiftSummary): void {
  const w = s.ranges[range];
  const c = w.counts;
  const r = w.rates;
  text('totals-title', range === 'hour' ? 'Last hour' : range === 'today' ? 'Today' : `This shift: ${w.name}`);
  text('totals-span', `${span(w)} (${s.timezone})`);
  text('t-parts', fmtInt(r.parts));
  text('t-parts-sub', `${fmtInt(r.inspected)} inspected`);
  text('t-good', fmtInt(c.pass));
  text('t-yield', `yield ${fmtPct(r.yield_pct)}`);
  text('t-reject', fmtInt(c.reject));
  text('t-reject-rate', `${fmtPct(r.reject_pct)} of inspected`);
  text('t-errors', fmtInt(c.error + c.dropped));
  text('t-errors-sub', `${fmtInt(c.error)} errors · ${fmtInt(c.dropped)} dropped`);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#totals-panel [data-range]')) {
    b.classList.toggle('on', b.dataset.range === range);
    if (b.dataset.range === 'shift') b.textContent = `This shift (${s.ranges.shift.name})`;
  }
}

function showStatus(s: ShiftSummary): void {
  const b = s.badge;
  const box = $('status');
  box.className = `status ${b.level}`;
  text('status-word', STATUS_WORDS[b.level]);
  const why = b.reasons.length ? b.reasons : [`Reject rate ${fmtPct(b.rates.reject_pct)} and ${fmtPct(b.rates.error_pct)} not inspected in the last ${b.window_min} min: inside the normal band`];
  $('status-why').replaceChildren(...why.map((w) => el('li', {}, w)));
  box.title = `amber from ${s.bands.reject.amber} % rejected (${s.bands.reject.from}) or ${s.bands.error.amber} % not inspected; red from ${s.bands.reject.red} % / ${s.bands.error.red} %`;
}

function level(v: number | null, band: { amber: number; red: number }): string {
  return v === null ? '' : v >= band.red ? 'lvl-red' : v >= band.amber ? 'lvl-amber' : '';
}

function showShifts(s: ShiftSummary): void {
  const rows = s.shifts.map((w) => {
    const r = w.rates;
    const cell = (t: string, cls = '') => el('td', {}, cls ? el('span', { class: cls }, t) : t);
    const tr = el('tr', { class: w.current ? 'current' : '' },
      el('td', {}, w.current ? `${w.name} (now)` : w.name), el('td', {}, span(w)), cell(fmtInt(r.parts)),
      cell(r.parts ? fmtPct(r.yield_pct) : '—'), cell(r.inspected ? `${fmtInt(w.counts.reject)} · ${fmtPct(r.reject_pct)}` : '—', level(r.reject_pct, s.bands.reject)),
      cell(r.parts ? `${fmtInt(w.counts.error + w.counts.dropped)} · ${fmtPct(r.error_pct)}` : '—', level(r.error_pct, s.bands.error)));
    return tr;
  });
  $('shifts').querySelector('tbody')!.replaceChildren(...rows);
}

const refreshSummary = latestOnly(() => getJson<ShiftSummary>('/api/shift'), (s) => {
  last = s;
  setZone(s.timezone);
  showStatus(s);
  showTotals(s);
  showShifts(s);
});

const refreshTrend = latestOnly(() => getJson<Trend>(`/api/trend?range=${range}`), (t) => {
  const parts = t.buckets.reduce((n, b) => n + b.pass + b.reject + b.error + b.dropped, 0);
  text('trend-n', `${t.range === 'hour' ? 'last hour' : t.range === 'today' ? 'today' : `shift ${t.name}`}: ${fmtInt(parts)} parts`);
  drawTrend($<SVGSVGElement>('trend'), t);
});

const refreshScores = latestOnly(() => getJson<HistogramReply>('/api/histogram?bins=30'), (h) => {
  text('shift-hist-n', `last ${h.current.n} parts`);
  const word = technical() ? undefined : 'threshold';
  drawHistogram($<SVGSVGElement>('shift-hist'), h.histogram, [{ value: h.threshold, cls: 'thr', label: 'threshold', text: word }], h.threshold);
});

/** Everything in the view; errors are logged, the next refresh tries again. */
export function refreshShift(): Promise<void> {
  return Promise.all([refreshSummary(), refreshTrend(), refreshScores()]).then(() => undefined);
}

export function setupShift(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('#totals-panel [data-range]')) {
    b.addEventListener('click', () => {
      range = b.dataset.range as Range;
      localStorage.setItem('inspectd.range', range);
      if (last) showTotals(last);
      void refreshTrend().catch((err) => console.warn(err));
    });
  }
}
