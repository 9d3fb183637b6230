/// <reference lib="dom" />
import { refreshCalibration, refreshHistogram, refreshThresholdLog, setupCalibration, setupThreshold } from './controls.js';
import { $, el, fmtMs, fmtScore, fmtTime, getJson, postJson, text, throttle } from './dom.js';
import type { Counters, Latest, Live, Reject, State } from './types.js';

/**
 * The dashboard: live counters, latest frame and verdict from the server-sent events; the
 * reject strip, histogram and calibration refetched (throttled) when events say they changed.
 */

let paused = false;
let lastSeq = -1;
let frameLoading = false;
let calibState = 'idle';

function showCounters(c: Counters): void {
  const n = (v: number | null) => (v === null ? '—' : String(v));
  text('c-inspected', n(c.inspected));
  text('c-rejected', n(c.rejected));
  text('c-errors', n(c.errors));
  text('c-dropped', n(c.dropped));
  text('c-fps', c.fps === null ? '—' : c.fps.toFixed(1));
  text('c-p50', fmtMs(c.latency_p50_ms));
  text('c-p99', fmtMs(c.latency_p99_ms));
  text('c-mqtt', c.mqtt_connected === null ? 'off' : c.mqtt_connected ? `up${c.outbox_pending ? ` · ${c.outbox_pending} queued` : ''}` : `down · ${c.outbox_pending ?? 0} queued`);
}

function showLatest(l: Latest | null): void {
  if (!l) return;
  const v = $('verdict');
  v.textContent = l.verdict;
  v.className = `badge ${l.verdict}`;
  text('score', fmtScore(l.score));
  text('seq', `#${l.seq} · ${l.source} · ${fmtTime(l.ts)} · ${l.latency_ms.toFixed(1)} ms`);
  if (l.seq !== lastSeq && !frameLoading) {
    // One image request in flight at a time: a slow link sees fewer frames, never a queue.
    lastSeq = l.seq;
    frameLoading = true;
    $<HTMLImageElement>('frame').src = `/api/frame.jpg?seq=${l.seq}`;
  }
}

function showPaused(p: boolean): void {
  paused = p;
  text('pause', p ? 'Resume inspection' : 'Pause inspection');
  text('pause-msg', p ? 'paused: parts are not inspected' : '');
}

function thumb(r: Reject): HTMLElement {
  const pic = r.image_path ? el('img', { src: `/images/${r.image_path.split('/').map(encodeURIComponent).join('/')}`, alt: `reject #${r.seq}` }) : el('div', { class: 'nothumb' }, r.error ? r.error.code : 'no image yet');
  const b = el('button', { class: 'thumb', type: 'button', 'data-seq': String(r.seq) }, pic, el('span', {}, `#${r.seq} · ${fmtScore(r.score)}`), el('span', { class: 'muted' }, fmtTime(r.ts)));
  b.addEventListener('click', () => openViewer(r));
  return b;
}

function openViewer(r: Reject): void {
  const img = $<HTMLImageElement>('viewer-img');
  if (r.image_path) {
    img.hidden = false;
    img.src = `/images/${r.image_path.split('/').map(encodeURIComponent).join('/')}`;
  } else img.hidden = true;
  text('viewer-meta', `#${r.seq} · ${r.verdict} · score ${fmtScore(r.score)} (threshold ${fmtScore(r.threshold)}${r.score_rule ? `, rule ${r.score_rule}` : ''})${r.ssim !== null ? ` · SSIM ${fmtScore(r.ssim)}` : ''} · ${new Date(r.ts).toLocaleString()} · ${r.source}${r.error ? ` · ${r.error.code}: ${r.error.message}` : ''}`);
  $<HTMLDialogElement>('viewer').showModal();
}

/** Thumbnails already on the page, by part: reused so a refresh never reloads (and blanks) an image. */
const thumbs = new Map<string, { node: HTMLElement; image: string | null }>();

async function refreshRejects(): Promise<void> {
  const { rejects } = await getJson<{ rejects: Reject[] }>('/api/rejects?limit=24');
  if (rejects.length === 0) return;
  const keep = new Map<string, { node: HTMLElement; image: string | null }>();
  const nodes = rejects.map((r) => {
    const key = `${r.seq}:${r.ts}`;
    const old = thumbs.get(key);
    const t = old && old.image === r.image_path ? old : { node: thumb(r), image: r.image_path };
    keep.set(key, t);
    return t.node;
  });
  thumbs.clear();
  for (const [k, v] of keep) thumbs.set(k, v);
  $('strip').replaceChildren(...nodes);
}

async function refreshState(): Promise<void> {
  const s = await getJson<State>('/api/state');
  text('model', `${s.model.name} (${s.model.variant}, ${s.model.score_rule})`);
  const h = $('health');
  h.textContent = s.health.ok ? 'healthy' : `unhealthy: ${s.health.reason ?? ''}`;
  h.className = `pill ${s.health.ok ? 'ok' : 'bad'}`;
  showCounters(s.counters);
  showLatest(s.latest);
  showPaused(s.paused);
}

const rejectsSoon = throttle(refreshRejects, 1000);
const histSoon = throttle(refreshHistogram, 1000);
const calibSoon = throttle(refreshCalibration, 500);

function onLive(d: Live): void {
  showCounters(d.counters);
  showLatest(d.latest);
  showPaused(d.paused);
  text('thr-now', fmtScore(d.threshold));
  if (d.frames) histSoon();
  const fault = d.faults?.at(-1);
  if (fault) {
    // Shown until the next health poll says otherwise.
    const h = $('health');
    h.textContent = `fault: ${fault.code}`;
    h.title = fault.message;
    h.className = 'pill bad';
  }
  // Rows carry their image paths once committed (≤ a few hundred ms later): refetch then too.
  if (d.rejects?.length || d.rejects_overflow) {
    rejectsSoon();
    window.setTimeout(rejectsSoon, 1200);
  }
  if (d.calibration.state === 'recording' || d.calibration.state !== calibState) calibSoon();
  calibState = d.calibration.state;
}

function connect(): void {
  const conn = $('conn');
  const es = new EventSource('/events');
  const handle = (ev: MessageEvent<string>) => onLive(JSON.parse(ev.data) as Live);
  es.addEventListener('snapshot', (ev) => {
    conn.textContent = 'live';
    conn.className = 'pill ok';
    handle(ev as MessageEvent<string>);
  });
  es.addEventListener('update', (ev) => handle(ev as MessageEvent<string>));
  es.addEventListener('error', () => {
    conn.textContent = 'reconnecting…';
    conn.className = 'pill bad';
  });
}

function start(): void {
  const frame = $<HTMLImageElement>('frame');
  frame.addEventListener('load', () => (frameLoading = false));
  frame.addEventListener('error', () => (frameLoading = false));
  $('pause').addEventListener('click', () => {
    postJson<{ paused: boolean }>(paused ? '/api/resume' : '/api/pause', {}).then((r) => showPaused(r.paused)).catch((err: Error) => text('pause-msg', err.message));
  });
  const refreshAll = () => void Promise.all([refreshState(), refreshHistogram(), refreshThresholdLog()]).catch((err) => console.warn(err));
  setupThreshold(refreshAll);
  setupCalibration(refreshAll);
  refreshAll();
  void refreshRejects().catch(() => undefined);
  void refreshCalibration().catch(() => undefined);
  connect();
  // Health is about the absence of events, so it is polled rather than pushed.
  window.setInterval(() => void refreshState().catch(() => undefined), 5000);
  window.addEventListener('resize', throttle(() => Promise.all([refreshHistogram(), refreshCalibration()]).then(() => undefined), 300));
}

start();
