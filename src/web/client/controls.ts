/// <reference lib="dom" />
import { $, fmtScore, fmtTime, getJson, latestOnly, postJson, text, throttle } from './dom.js';
import { drawHistogram, type Line } from './histogram.js';
import { labelledText } from './labelled.js';
import type { CalibrationView, HistogramReply, ThresholdChange } from './types.js';

/**
 * The threshold control (preview before applying) and the calibration panel. The preview asks
 * the server, which holds the recent scores: "at t, N of the last M parts would be rejected".
 */

let current = NaN;
let proposed: number | null = null;
const thrInput = () => $<HTMLInputElement>('thr-input');
const slider = () => $<HTMLInputElement>('thr-slider');

function setMsg(id: string, msg: string, ok: boolean): void {
  const e = $(id);
  e.textContent = msg;
  e.className = `msg ${ok ? 'ok' : 'bad'}`;
}

export async function refreshHistogram(): Promise<void> {
  const q = proposed !== null && proposed !== current ? `?threshold=${encodeURIComponent(String(proposed))}` : '';
  const h = await getJson<HistogramReply>(`/api/histogram${q}`);
  current = h.threshold;
  text('thr-now', fmtScore(current));
  const p = h.proposed ?? { threshold: current, ...h.current };
  const pct = p.n ? ((100 * p.rejected) / p.n).toFixed(1) : '0';
  const errs = p.errors ? ` (${p.errors} could not be inspected)` : '';
  text('thr-preview', `${h.proposed ? 'at' : 'now'} ${fmtScore(p.threshold)}: ${p.rejected} of the last ${p.n} parts rejected (${pct} %)${errs}`);
  text('hist-n', `last ${h.current.n} parts`);
  text('thr-labelled', h.labelled ? labelledText(h.labelled) : '');
  const lines: Line[] = [{ value: current, cls: 'thr', label: 'current threshold' }];
  if (h.proposed) lines.push({ value: h.proposed.threshold, cls: 'thr-prop', label: 'proposed threshold' });
  drawHistogram($<SVGSVGElement>('hist'), h.histogram, lines, p.threshold);
  const s = slider();
  s.min = String(h.histogram.lo);
  s.max = String(h.histogram.hi);
  if (document.activeElement !== s) s.value = String(proposed ?? current);
  if (document.activeElement !== thrInput() && proposed === null) thrInput().value = current.toFixed(4);
}

export async function refreshThresholdLog(): Promise<void> {
  const { changes } = await getJson<{ changes: ThresholdChange[] }>('/api/threshold-changes?limit=8');
  $('thr-log').replaceChildren(...changes.map((c) => {
    const li = document.createElement('li');
    li.textContent = `${fmtTime(c.ts)} · ${c.who}: ${c.old === null ? '—' : fmtScore(c.old)} → ${fmtScore(c.new)}${c.reason ? ` (${c.reason})` : ''}`;
    return li;
  }));
}

const previewSoon = throttle(refreshHistogram, 150);

function propose(v: number, from: 'input' | 'slider'): void {
  if (!Number.isFinite(v)) return;
  proposed = v;
  if (from === 'slider') thrInput().value = v.toFixed(4);
  else slider().value = String(v);
  previewSoon();
}

export function setupThreshold(onApplied: () => void): void {
  const who = $<HTMLInputElement>('who');
  who.value = localStorage.getItem('inspectd.who') ?? '';
  thrInput().addEventListener('input', () => propose(thrInput().valueAsNumber, 'input'));
  slider().addEventListener('input', () => propose(slider().valueAsNumber, 'slider'));
  $<HTMLFormElement>('thr-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = thrInput().valueAsNumber;
    localStorage.setItem('inspectd.who', who.value);
    postJson<{ old: number; value: number }>('/api/threshold', { value, who: who.value, reason: $<HTMLInputElement>('reason').value })
      .then((r) => {
        setMsg('thr-msg', `applied: ${fmtScore(r.old)} → ${fmtScore(r.value)}`, true);
        proposed = null;
        onApplied();
        return Promise.all([refreshHistogram(), refreshThresholdLog()]);
      })
      .catch((err: Error) => setMsg('thr-msg', err.message, false));
  });
}

export const refreshCalibration = latestOnly(() => getJson<CalibrationView>('/api/calibration'), showCalibration);

function showCalibration(c: CalibrationView): void {
  text('calib-rule', c.rule);
  const prog = $<HTMLProgressElement>('calib-progress');
  prog.max = Math.max(1, c.target);
  prog.value = c.count;
  const skipped = c.skipped ? `, ${c.skipped} frames could not be inspected` : '';
  text('calib-status', c.state === 'idle' ? 'idle' : `${c.state}: ${c.count} / ${c.target} parts${skipped}`);
  text('calib-proposed', c.proposed === null ? '—' : `${fmtScore(c.proposed)}${c.state === 'done' ? '' : ' (so far)'}${c.proposed_rejects ? ` · would reject ${c.proposed_rejects} of these good parts` : ''}`);
  $<HTMLButtonElement>('calib-apply').disabled = c.state !== 'done';
  text('calib-labelled', c.proposed === null ? '' : labelledText(c.labelled));
  drawHistogram($<SVGSVGElement>('calib-hist'), c.histogram, c.proposed === null ? [] : [{ value: c.proposed, cls: 'thr-prop', label: 'proposed' }], c.proposed);
}

export function setupCalibration(onApplied: () => void): void {
  $<HTMLFormElement>('calib-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    postJson('/api/calibration/start', { n: $<HTMLInputElement>('calib-n').valueAsNumber })
      .then(() => (setMsg('calib-msg', 'recording: run good parts now', true), refreshCalibration()))
      .catch((err: Error) => setMsg('calib-msg', err.message, false));
  });
  $('calib-cancel').addEventListener('click', () => {
    postJson('/api/calibration/cancel', {}).then(refreshCalibration).then(() => setMsg('calib-msg', 'cancelled', true)).catch((err: Error) => setMsg('calib-msg', err.message, false));
  });
  $('calib-apply').addEventListener('click', () => {
    postJson<{ value: number }>('/api/calibration/apply', { who: $<HTMLInputElement>('who').value })
      .then((r) => {
        setMsg('calib-msg', `applied threshold ${fmtScore(r.value)}`, true);
        onApplied();
        return Promise.all([refreshHistogram(), refreshThresholdLog()]);
      })
      .catch((err: Error) => setMsg('calib-msg', err.message, false));
  });
}
