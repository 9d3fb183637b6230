/// <reference lib="dom" />
import { svgEl } from './dom.js';

export interface Hist {
  lo: number;
  hi: number;
  counts: number[];
  n: number;
}

export interface Line {
  value: number;
  cls: 'thr' | 'thr-prop';
  label: string;
  /** Drawn beside the line instead of the value (a word for people who do not read raw scores). */
  text?: string;
}

/** Axis titles, with units: what the x values are and what the bar heights count. */
export const SCORE_AXES = { x: 'score (higher = more like a good part)', y: 'parts' };

/**
 * Draw a score histogram into an <svg>: one rect per bin (class `bar`, plus `below` for bins
 * under `shadeBelow`, the parts that threshold would reject), vertical threshold lines, axes with
 * their titles. The viewBox follows the element's real width so text is never stretched.
 */
export function drawHistogram(svg: SVGSVGElement, h: Hist, lines: Line[], shadeBelow: number | null, titles: { x: string; y: string } = SCORE_AXES): void {
  const W = Math.max(200, Math.round(svg.clientWidth || 800));
  const H = Math.max(80, Math.round(svg.clientHeight || 200));
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const left = 40;
  const right = 10;
  const top = 14;
  const bottom = 34;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const x = (v: number) => left + ((v - h.lo) / (h.hi - h.lo)) * pw;
  const max = Math.max(1, ...h.counts);
  const bw = pw / h.counts.length;
  h.counts.forEach((c, i) => {
    if (c === 0) return;
    const bh = (c / max) * ph;
    const binHi = h.lo + ((i + 1) * (h.hi - h.lo)) / h.counts.length;
    const cls = shadeBelow !== null && binHi <= shadeBelow + 1e-12 ? 'bar below' : 'bar';
    const r = svgEl('rect', { class: cls, x: (left + i * bw + 0.5).toFixed(1), y: (top + ph - bh).toFixed(1), width: Math.max(1, bw - 1).toFixed(1), height: bh.toFixed(1) });
    r.append(svgEl('title', {}, `${c} part${c === 1 ? '' : 's'}`));
    svg.append(r);
  });
  svg.append(svgEl('line', { class: 'base', x1: left, x2: W - right, y1: top + ph, y2: top + ph }));
  for (let t = 0; t <= 4; t++) {
    const v = h.lo + ((h.hi - h.lo) * t) / 4;
    svg.append(svgEl('text', { class: 'axis', x: x(v).toFixed(1), y: top + ph + 14, 'text-anchor': t === 0 ? 'start' : t === 4 ? 'end' : 'middle' }, v.toFixed(3)));
  }
  for (const v of max > 1 ? [0, Math.round(max / 2), max] : [0, max]) {
    svg.append(svgEl('text', { class: 'axis', x: left - 6, y: (top + ph - (v / max) * ph + 4).toFixed(1), 'text-anchor': 'end' }, String(v)));
  }
  svg.append(svgEl('text', { class: 'title', x: left + pw / 2, y: H - 4, 'text-anchor': 'middle' }, titles.x));
  svg.append(svgEl('text', { class: 'title', x: 12, y: top + ph / 2, transform: `rotate(-90 12 ${top + ph / 2})`, 'text-anchor': 'middle' }, titles.y));
  lines.forEach((l, i) => {
    if (!Number.isFinite(l.value) || l.value < h.lo || l.value > h.hi) return;
    const lx = x(l.value);
    // A dark halo keeps the line visible when it falls on a bar.
    svg.append(svgEl('line', { class: 'halo', x1: lx.toFixed(1), x2: lx.toFixed(1), y1: top - 4, y2: top + ph }));
    const line = svgEl('line', { class: l.cls, x1: lx.toFixed(1), x2: lx.toFixed(1), y1: top - 4, y2: top + ph });
    line.append(svgEl('title', {}, `${l.label} ${l.value.toFixed(4)}`));
    svg.append(line);
    // Labels on the side with room; the second line's label one row lower so two never overlap.
    const rightSide = lx < W - 90;
    svg.append(svgEl('text', { class: `lbl ${l.cls}`, x: (rightSide ? lx + 5 : lx - 5).toFixed(1), y: top + 8 + i * 13, 'text-anchor': rightSide ? 'start' : 'end' }, l.text ?? l.value.toFixed(4)));
  });
  if (h.n === 0) svg.append(svgEl('text', { class: 'axis', x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no scores yet'));
}
