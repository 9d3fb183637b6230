import { InspectdError } from '../platform/index.js';
import type { Logger } from '../platform/index.js';
import { systemClock, type Clock, type TimerHandle } from '../platform/index.js';
import { drainBoundMs, drainUntil } from './drain.js';
import { RejectPulses, Strobes } from './pulses.js';
import type { GpioPort, OutputLine } from './types.js';

export interface Part {
  seq: number;
  /** Monotonic capture time (Frame.capturedAt), ms. */
  capturedAt: number;
}

export interface PlcOptions {
  gpio: GpioPort;
  /** Camera → ejector travel time. 0 = no ejector timing: the reject pulse goes out at the decision
   *  (the PLC shifts it using result_valid) and there is no decision deadline. */
  travelMs: number;
  pulseMs: number;
  strobeMs?: number;
  heartbeatHz?: number;
  /** A part's decision must be in by capture + travel − margin, else the late policy decides it. */
  decisionMarginMs?: number;
  /** `ready` drops and the heartbeat stops when no frame was decided (or progress() called) for this long. */
  stallMs?: number;
  policy?: { onLate?: 'reject' | 'pass'; onError?: 'reject' | 'pass' };
  clock?: Clock;
  log: Logger;
}

export interface PlcStats {
  expected: number;
  decided: number;
  passed: number;
  /** Parts the PLC was told to reject (decisions, failures and late parts under policy). */
  rejected: number;
  /** Reject pulses actually driven (merged pulses count once). */
  pulses: number;
  /** Reject requests folded into an overlapping pulse. */
  merged: number;
  /** Scheduled reject pulses cancelled at close because the drain bound passed (normally 0). */
  dropped: number;
  /** Parts whose decision missed the deadline. */
  late: number;
  /** Decisions that arrived after their part had already been handled as late (ignored). */
  lateDecisions: number;
  /** Rejects that could not be executed: the part was already past the ejector. */
  missed: number;
  failed: number;
  strobes: number;
  inFlight: number;
  ready: boolean;
}

/** What the composition root (start, ready, progress, stats, close) and the pipeline (expect, decided) use. */
export interface PlcSignals {
  /** Request the lines (all de-asserted). */
  start(): Promise<void>;
  /** A part was captured: start its fail-safe decision deadline. */
  expect(part: Part): void;
  /**
   * The decision for a part (the pipeline's PlcPort). 'late': the part had already been handled
   * by the late policy at its deadline and this decision changed nothing on the lines.
   */
  decided(part: Part, reject: boolean): 'late' | void;
  /** Inspection failed: rejected unless policy.onError is 'pass'. 'late' as for decided(). */
  failed(part: Part, reason?: string): 'late' | void;
  /** Frames are flowing even without decisions (trigger mode between parts). */
  progress(): void;
  /** The daemon's view: model warm and running (true) or not (false, e.g. fatal camera fault). */
  setReady(ready: boolean): void;
  stats(): PlcStats;
  /**
   * Drop ready and the heartbeat, let every scheduled reject pulse, pending decision deadline and
   * strobe run out (at most drainBoundMs), then drive every output to its safe (de-asserted) state
   * and release the lines. Idempotent.
   */
  close(): Promise<void>;
}


const LATE_MEMORY = 1024;

/**
 * The PLC handshake, fail-safe by construction: a part registered at capture is rejected unless a
 * pass decision arrives in time; reject pulses are timed from capture (not from when inference
 * finished) through a FIFO of parts in flight and never overlap; `ready` and the heartbeat show
 * only while frames are actually being decided, so a hung daemon looks dead to the PLC.
 */
export function createPlcSignals(o: PlcOptions): PlcSignals {
  const clock = o.clock ?? systemClock;
  const gpio = o.gpio;
  const log = o.log;
  const strobeMs = o.strobeMs ?? 10;
  const hz = o.heartbeatHz ?? 1;
  const margin = o.decisionMarginMs ?? 5;
  const stallMs = o.stallMs ?? 3000;
  const onLate = o.policy?.onLate ?? 'reject';
  const onError = o.policy?.onError ?? 'reject';
  if (!(o.pulseMs > 0)) throw new InspectdError('GPIO_CONFIG', `pulse_ms must be > 0 (got ${o.pulseMs})`);
  if (o.travelMs < 0) throw new InspectdError('GPIO_CONFIG', `travel_ms must be >= 0 (got ${o.travelMs})`);
  if (o.travelMs > 0 && o.travelMs <= margin) {
    throw new InspectdError('GPIO_CONFIG', `travel_ms (${o.travelMs}) must exceed decision_margin_ms (${margin}): every part would be late`);
  }

  const st: PlcStats = { expected: 0, decided: 0, passed: 0, rejected: 0, pulses: 0, merged: 0, dropped: 0, late: 0, lateDecisions: 0, missed: 0, failed: 0, strobes: 0, inFlight: 0, ready: false };
  // draining: stopping, but decisions and deadlines still end in pulses until the drain is over.
  let phase: 'new' | 'open' | 'draining' | 'closed' = 'new';
  let poke: (() => void) | null = null; // while draining: ends the drain once nothing is left
  let closing: Promise<void> | null = null;
  const inFlight = new Map<number, { part: Part; timer: TimerHandle }>();
  const lateSeqs = new Set<number>();
  let wantReady = false;
  let healthy = false;
  let lastProgress = -Infinity;
  let stallTimer: TimerHandle | undefined;
  let heartbeatTimer: TimerHandle | undefined;
  let heartbeat: 0 | 1 = 0;

  const set = (line: OutputLine, v: 0 | 1) => gpio.set(line, v);

  function usable(what: string, whileDraining = false): boolean {
    if (phase === 'open' || (whileDraining && phase === 'draining')) return true;
    if (phase === 'new') throw new InspectdError('GPIO_STATE', `PLC signals: ${what} before start()`);
    log.debug({ what }, 'PLC signals closed; ignored');
    return false;
  }

  const idle = () => poke?.();
  const pulser = new RejectPulses({ clock, set, travelMs: o.travelMs, pulseMs: o.pulseMs, log, stats: st, onIdle: idle });
  const strober = new Strobes({ clock, set, strobeMs, stats: st, onIdle: idle });
  const scheduleReject = (part: Part, why: string) => pulser.schedule(part, why);
  const strobe = () => strober.fire();

  // ---- decisions ----------------------------------------------------------------------------

  function settle(part: Part): boolean {
    if (lateSeqs.has(part.seq)) {
      st.lateDecisions++;
      log.warn({ seq: part.seq }, 'decision arrived after the part was handled as late; ignored');
      return false;
    }
    const f = inFlight.get(part.seq);
    if (f) {
      clock.clearTimeout(f.timer);
      inFlight.delete(part.seq);
      st.inFlight = inFlight.size;
    }
    st.decided++;
    progress();
    return true;
  }

  function onDeadline(part: Part): void {
    inFlight.delete(part.seq);
    st.inFlight = inFlight.size;
    st.late++;
    lateSeqs.add(part.seq);
    if (lateSeqs.size > LATE_MEMORY) lateSeqs.delete(lateSeqs.values().next().value as number);
    log.warn({ code: 'GPIO_DECISION_LATE', seq: part.seq, policy: onLate }, 'no decision by the deadline');
    if (onLate === 'reject') scheduleReject(part, 'late');
    else st.passed++;
    strobe();
    idle();
  }

  /** Keep the outputs live until nothing is scheduled or in flight, or the bound passes. */
  function drain(): Promise<void> {
    phase = 'draining';
    wantReady = false;
    applyHealth(); // ready and the heartbeat drop at once: the PLC must not trust new parts
    const boundMs = drainBoundMs({ travelMs: o.travelMs, pulseMs: o.pulseMs, strobeMs });
    if (inFlight.size > 0 || pulser.busy) log.info({ parts_in_flight: inFlight.size, bound_ms: boundMs }, 'closing: draining scheduled reject pulses first');
    const d = drainUntil(clock, boundMs, () => inFlight.size === 0 && !pulser.busy && !strober.busy);
    poke = d.poke;
    return d.done.then(() => void (poke = null));
  }

  // ---- health: ready + heartbeat ------------------------------------------------------------

  function applyHealth(): void {
    const now = clock.now();
    const h = wantReady && now - lastProgress < stallMs;
    if (stallTimer !== undefined) clock.clearTimeout(stallTimer);
    stallTimer = h ? clock.setTimeout(applyHealth, lastProgress + stallMs - now) : undefined;
    if (h === healthy) return;
    healthy = h;
    st.ready = h;
    set('ready', h ? 1 : 0);
    if (h) {
      heartbeat = 1;
      set('heartbeat', 1);
      heartbeatTimer = clock.setInterval(() => {
        heartbeat = heartbeat ? 0 : 1;
        set('heartbeat', heartbeat);
      }, 1000 / (2 * hz));
    } else {
      if (heartbeatTimer !== undefined) clock.clearInterval(heartbeatTimer);
      heartbeatTimer = undefined;
      heartbeat = 0;
      set('heartbeat', 0);
      log.warn({ want_ready: wantReady, since_progress_ms: now - lastProgress }, 'PLC ready dropped');
    }
  }

  function progress(): void {
    if (phase !== 'open') return;
    lastProgress = clock.now();
    if (wantReady && !healthy) applyHealth();
  }

  const api: PlcSignals = {
    async start() {
      if (phase !== 'new') throw new InspectdError('GPIO_STATE', `PLC signals: start() when ${phase}`);
      await gpio.open();
      phase = 'open';
    },

    expect(part) {
      if (!usable('expect')) return;
      st.expected++;
      if (o.travelMs === 0 || inFlight.has(part.seq)) return;
      const deadline = part.capturedAt + o.travelMs - margin;
      const timer = clock.setTimeout(() => onDeadline(part), deadline - clock.now());
      inFlight.set(part.seq, { part, timer });
      st.inFlight = inFlight.size;
    },

    decided(part, reject) {
      if (!usable('decided', true)) return;
      if (!settle(part)) return 'late';
      if (reject) scheduleReject(part, 'decision');
      else st.passed++;
      strobe();
      idle();
    },

    failed(part, reason) {
      if (!usable('failed', true)) return;
      if (!settle(part)) return 'late';
      st.failed++;
      log.warn({ seq: part.seq, reason, policy: onError }, 'inspection failed');
      if (onError === 'reject') scheduleReject(part, 'failed');
      else st.passed++;
      strobe();
      idle();
    },

    progress,

    setReady(ready) {
      if (!usable('setReady')) return;
      wantReady = ready;
      if (ready) lastProgress = clock.now(); // grace: stallMs for the first decision
      applyHealth();
    },

    stats: () => ({ ...st, inFlight: inFlight.size }),

    close() {
      if (closing) return closing;
      const wasOpen = phase === 'open';
      closing = (async () => {
        if (wasOpen) await drain();
        phase = 'closed';
        for (const f of inFlight.values()) clock.clearTimeout(f.timer);
        if (inFlight.size > 0) log.warn({ parts: inFlight.size }, 'closing with parts still in flight');
        inFlight.clear();
        pulser.clear();
        strober.clear();
        if (stallTimer !== undefined) clock.clearTimeout(stallTimer);
        if (heartbeatTimer !== undefined) clock.clearInterval(heartbeatTimer);
        st.ready = false;
        if (wasOpen) for (const line of ['reject', 'result_valid', 'ready', 'heartbeat'] as const) set(line, 0);
        await gpio.close();
      })();
      return closing;
    },
  };
  return api;
}
