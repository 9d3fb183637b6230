/// <reference lib="dom" />
/**
 * Tiny DOM and fetch helpers for the dashboard (no framework: the page is a handful of panels
 * updated in place). Same-origin fetches carry the token cookie by themselves.
 */

export function $<T extends HTMLElement | SVGElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard: #${id} missing from the page`);
  return el as unknown as T;
}

export function text(id: string, value: string): void {
  const el = $(id);
  if (el.textContent !== value) el.textContent = value;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

export function svgEl(tag: string, attrs: Record<string, string | number>, content?: string): SVGElement {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (content !== undefined) e.textContent = content;
  return e;
}

export class ApiError extends Error {}

export async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new ApiError((body as { error?: string }).error ?? `${r.status} ${r.statusText}`);
  return body as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
  const out = await r.json().catch(() => ({}));
  if (!r.ok) throw new ApiError((out as { error?: string }).error ?? `${r.status} ${r.statusText}`);
  return out as T;
}

/** Calls fn at most once per `ms`, always running once more after the last request. */
export function throttle(fn: () => void | Promise<void>, ms: number): () => void {
  let last = 0;
  let timer: number | null = null;
  const run = () => {
    timer = null;
    last = performance.now();
    void Promise.resolve(fn()).catch((err) => console.warn('dashboard update failed', err));
  };
  return () => {
    if (timer !== null) return;
    timer = window.setTimeout(run, Math.max(0, last + ms - performance.now()));
  };
}

export const fmtScore = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—');
export const fmtMs = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(1)} ms` : '—');
/** Times are shown in the station's zone (from /api/shift), not the browser's: a remote laptop sees the plant's clock. */
let zone: string | undefined;
export function setZone(tz: string): void {
  zone = tz;
}
export const fmtTime = (ts: number) => new Date(ts).toLocaleTimeString(undefined, { timeZone: zone });
export const fmtHm = (ts: number) => new Date(ts).toLocaleTimeString(undefined, { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
export const fmtDay = (ts: number) => new Date(ts).toLocaleDateString(undefined, { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' });
/** Minutes since local midnight in the station's zone (to put axis ticks on round wall-clock times). */
export function wallMinute(ts: number): number {
  const p = new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(ts));
  const n = (t: string) => Number(p.find((x) => x.type === t)?.value ?? 0);
  return n('hour') * 60 + n('minute');
}
export const fmtPct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v)} %` : '—');
export const fmtInt = (v: number) => v.toLocaleString();

/**
 * Only the newest call's result is applied: refreshes overlap (SSE-driven, and after a button
 * click), and an older response arriving after a newer one must not overwrite it — that left the
 * calibration panel at "recording" with Apply disabled after the run was done.
 */
export function latestOnly<T>(get: () => Promise<T>, apply: (v: T) => void): () => Promise<void> {
  let seq = 0;
  return async () => {
    const mine = ++seq;
    const v = await get();
    if (mine === seq) apply(v);
  };
}
