/// <reference lib="dom" />
import { fmtHm, fmtPct, svgEl, wallMinute } from './dom.js';
import type { Trend } from './types.js';

/**
 * The reject-rate trend as inline SVG: one bar per time bucket (% of inspected parts rejected,
 * coloured by the band it falls in), a line for the share of parts not inspected, the amber and
 * red limits as dashed lines, a y axis in % and an x axis in the station's wall-clock time. The
 * x axis spans the whole range (a shift not over yet shows where "now" is). Sized to the
 * element's real width so text is never stretched.
 */

const TICK_MIN = [5, 10, 15, 30, 60, 120, 180, 240, 360];
const NICE = [1, 2, 2.5, 5, 10];

/** A round axis top at or above v (2, 2.5, 5, 10, 20, 25 …). */
function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return (NICE.find((n) => n * p >= v - 1e-9) ?? 10) * p;
}

export function drawTrend(svg: SVGSVGElement, t: Trend): void {
  const W = Math.max(260, Math.round(svg.clientWidth || 800));
  const H = Math.max(120, Math.round(svg.clientHeight || 230));
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const left = 48, right = 12, top = 12, bottom = 38;
  const pw = W - left - right, ph = H - top - bottom;
  const span = t.end - t.start;
  const x = (ts: number) => left + ((ts - t.start) / span) * pw;
  const bucketMs = t.bucket_min * 60_000;
  const rows = t.buckets.map((b) => {
    const parts = b.pass + b.reject + b.error + b.dropped;
    const inspected = b.pass + b.reject;
    return { ...b, parts, rate: inspected ? (100 * b.reject) / inspected : null, err: parts ? (100 * (b.error + b.dropped)) / parts : 0 };
  });
  const maxSeen = Math.max(0, ...rows.map((r) => Math.max(r.rate ?? 0, r.err)));
  // The amber limit always on the chart: a rate far below it is read as "far below", not as a full bar.
  const yMax = niceCeil(Math.max(maxSeen, t.bands.reject.amber) * 1.15);
  const y = (v: number) => top + ph - (Math.min(v, yMax) / yMax) * ph;

  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    svg.append(svgEl('line', { class: 'grid', x1: left, x2: W - right, y1: y(v).toFixed(1), y2: y(v).toFixed(1) }));
    svg.append(svgEl('text', { class: 'axis', x: left - 6, y: (y(v) + 4).toFixed(1), 'text-anchor': 'end' }, `${+v.toFixed(1)}`));
  }
  svg.append(svgEl('text', { class: 'title', x: 12, y: top + ph / 2, transform: `rotate(-90 12 ${top + ph / 2})`, 'text-anchor': 'middle' }, 'rejected (%)'));

  // Ticks on round wall-clock times, at most ~8 across, fewer on a narrow screen.
  const maxTicks = Math.max(3, Math.floor(pw / 70));
  const stepMin = TICK_MIN.find((m) => span / (m * 60_000) <= maxTicks) ?? 720;
  const first = t.start + ((stepMin - (wallMinute(t.start) % stepMin)) % stepMin) * 60_000;
  for (let ts = first; ts <= t.end; ts += stepMin * 60_000) {
    svg.append(svgEl('line', { class: 'base', x1: x(ts).toFixed(1), x2: x(ts).toFixed(1), y1: top + ph, y2: top + ph + 4 }));
    // The range's end tick sits on the right edge: anchored at its end so it is not cut off.
    const anchor = x(ts) > W - right - 18 ? 'end' : 'middle';
    svg.append(svgEl('text', { class: 'axis', x: x(ts).toFixed(1), y: top + ph + 16, 'text-anchor': anchor }, fmtHm(ts)));
  }
  svg.append(svgEl('text', { class: 'title', x: left + pw / 2, y: H - 4, 'text-anchor': 'middle' }, `time (${t.timezone}), bars of ${t.bucket_min} min`));
  svg.append(svgEl('line', { class: 'base', x1: left, x2: W - right, y1: top + ph, y2: top + ph }));

  const bw = Math.max(1, (bucketMs / span) * pw - 1);
  // Fewer parts than this in a bucket: its rate is drawn faint (one reject in three parts is not 33 %).
  const thin = Math.max(5, Math.round(t.bands.min_parts / 4));
  for (const r of rows) {
    if (r.rate === null) continue;
    const lvl = r.rate >= t.bands.reject.red ? ' lvl-red' : r.rate >= t.bands.reject.amber ? ' lvl-amber' : r.reject === 0 ? ' zero' : '';
    // A bucket with parts and no reject keeps a visible stub: "0 %" is not "no data".
    const h = Math.max(2, top + ph - y(r.rate));
    const rect = svgEl('rect', { class: `bar${lvl}${r.parts < thin ? ' thin' : ''}`, x: (x(r.ts) + 0.5).toFixed(1), y: (top + ph - h).toFixed(1), width: bw.toFixed(1), height: h.toFixed(1) });
    rect.append(svgEl('title', {}, `${fmtHm(r.ts)}–${fmtHm(r.ts + bucketMs)}: ${r.parts} parts, ${r.reject} rejected (${fmtPct(r.rate)}), ${r.error + r.dropped} not inspected`));
    svg.append(rect);
  }
  // Not inspected: a dot per bucket that had any (a line through the zeros reads as noise).
  for (const r of rows) {
    if (r.parts === 0 || r.err === 0) continue;
    const dot = svgEl('circle', { class: 'errdot', cx: (x(r.ts) + bw / 2).toFixed(1), cy: y(r.err).toFixed(1), r: 3.5 });
    dot.append(svgEl('title', {}, `${fmtHm(r.ts)}–${fmtHm(r.ts + bucketMs)}: ${r.error + r.dropped} of ${r.parts} parts not inspected (${fmtPct(r.err)})`));
    svg.append(dot);
  }
  for (const [cls, v, label] of [['lim-amber', t.bands.reject.amber, 'amber'], ['lim-red', t.bands.reject.red, 'red']] as const) {
    if (v > yMax) continue;
    const ly = y(v).toFixed(1);
    const l = svgEl('line', { class: cls, x1: left, x2: W - right, y1: ly, y2: ly });
    l.append(svgEl('title', {}, `${label} limit: ${v} % rejected`));
    svg.append(l);
    svg.append(svgEl('text', { class: 'lbl', x: W - right - 4, y: (Number(ly) - 4).toFixed(1), 'text-anchor': 'end' }, `${label} ${v} %`));
  }
  if (t.now > t.start && t.now < t.end) {
    svg.append(svgEl('line', { class: 'nowline', x1: x(t.now).toFixed(1), x2: x(t.now).toFixed(1), y1: top, y2: top + ph }));
    svg.append(svgEl('text', { class: 'axis', x: (x(t.now) + 4).toFixed(1), y: top + 10 }, 'now'));
  }
  if (rows.length === 0) svg.append(svgEl('text', { class: 'axis', x: left + pw / 2, y: top + ph / 2, 'text-anchor': 'middle' }, 'no parts in this range yet'));
}
