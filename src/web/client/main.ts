/// <reference lib="dom" />
import { refreshCalibration, refreshHistogram, refreshThresholdLog, setupCalibration, setupThreshold } from './controls.js';
import { $, fmtMs, fmtScore, fmtTime, getJson, postJson, text, throttle } from './dom.js';
import { refreshRejects } from './rejects.js';
import { refreshShift, setupShift, showBigVerdict } from './shift.js';
import type { Counters, Latest, Live, State } from './types.js';
import { isShown, onView, setupViews } from './views.js';

/**
 * The dashboard: live counters, latest frame and verdict from the server-sent events; the
 * reject strip, histograms, shift figures and calibration refetched (throttled) when events say
 * they changed, and only for the view on screen.
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
  showBigVerdict(l);
  const v = $('verdict');
  v.textContent = l.verdict;
  v.className = `badge ${l.verdict}`;
  text('score', fmtScore(l.score));
  text('seq', `#${l.seq} · ${l.source} · ${fmtTime(l.ts)} · ${l.latency_ms.toFixed(1)} ms`);
  if (l.seq !== lastSeq && !frameLoading && isShown('station')) {
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
const histSoon = throttle(() => (isShown('station') ? refreshHistogram() : undefined), 1000);
const calibSoon = throttle(() => (isShown('station') ? refreshCalibration() : undefined), 500);
// The shift figures are per minute: a refresh every 2 s while parts arrive is more than enough.
const shiftSoon = throttle(() => (isShown('shift') ? refreshShift() : undefined), 2000);

function onLive(d: Live): void {
  showCounters(d.counters);
  showLatest(d.latest);
  showPaused(d.paused);
  text('thr-now', fmtScore(d.threshold));
  if (d.frames) {
    histSoon();
    shiftSoon();
  }
  const fault = d.faults?.at(-1);
  if (fault) {
    // Shown until the next health poll says otherwise.
    const h = $('health');
    h.textContent = `fault: ${fault.code}`;
    h.title = fault.message;
    h.className = 'pill bad';
  }
  // A reject first shows "saving image…"; the update that says its JPEG landed refetches the strip.
  if (d.rejects?.length || d.images?.length || d.rejects_overflow) rejectsSoon();
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
  onView((v) => {
    if (v === 'shift') void refreshShift().catch((err) => console.warn(err));
    if (v === 'station') {
      lastSeq = -1; // the latest frame is only fetched while the view shows it
      void Promise.all([refreshHistogram(), refreshCalibration()]).catch((err) => console.warn(err));
    }
  });
  setupViews();
  setupShift();
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
  // Health is about the absence of events, so it is polled rather than pushed; the shift view too
  // (a stopped line sends no events, and the hour and the shift move on without them).
  window.setInterval(() => void refreshState().catch(() => undefined), 5000);
  window.setInterval(() => shiftSoon(), 15_000);
  window.addEventListener('resize', throttle(() => (isShown('shift') ? refreshShift() : Promise.all([refreshHistogram(), refreshCalibration()]).then(() => undefined)), 300));
}

start();
