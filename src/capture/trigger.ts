import { errorMessage, systemClock } from '../platform/index.js';
import type { Clock, Logger, TimerHandle } from '../platform/index.js';
import { BoundedQueue } from './queue.js';
import type { FrameSource, SourceStats } from './types.js';
import type { Frame } from '../domain/index.js';

/** Edges from a photo-eye (gpiomon) or anything else that marks "a part is here". */
export interface TriggerInput {
  /** Start delivering edges; `onEdge(t)` gets the monotonic time (ms) the edge was seen. */
  start(onEdge: (t: number) => void): void | Promise<void>;
  stop(): Promise<void>;
}

export interface TriggeredSourceOptions {
  /** The free-running camera; it runs continuously, only triggered frames are passed on. */
  inner: FrameSource & { stop?(): Promise<void> };
  /** Hardware edges; software triggers (softwareTrigger()) work with or without it. */
  input?: TriggerInput;
  /** Edges closer than this to the last accepted one are contact bounce, ignored. */
  debounceMs?: number;
  /** Photo-eye → field-of-view offset: the frame must be captured at/after edge + delayMs. */
  delayMs?: number;
  /** No frame at/after the edge within this long: an empty frame is delivered for the trigger,
   *  which inspection turns into verdict `error` (a reject by default) — a part is never lost silently. */
  timeoutMs?: number;
  queueSize?: number;
  /** Every camera frame, triggered or not: lets the daemon see that frames flow between parts. */
  onCameraFrame?: (frame: Frame) => void;
  /** A triggered frame dropped by the full queue: the daemon must fail that part (fail-safe). */
  onDropped?: (frame: Frame) => void;
  log: Logger;
  /** Monotonic ms (software-trigger edges) and the trigger timeout: the daemon's clock. Default the system clock. */
  clock?: Clock;
  /** Wall clock ms since epoch for timeout frames. Default Date.now. */
  wallNow?: () => number;
}

export interface TriggerStats extends SourceStats {
  triggers: number;
  /** Edges ignored as bounce. */
  bounced: number;
  /** Triggers that got no frame in time (delivered as empty frames). */
  missed: number;
  /** Camera frames seen (most are not inspected in trigger mode). */
  cameraFrames: number;
}

export interface TriggeredFrameSource extends FrameSource {
  /** Trigger an inspection now (MQTT command, tests). Returns the trigger's sequence number. */
  softwareTrigger(): number;
  stats(): TriggerStats;
  stop(): Promise<void>;
}

interface Pending {
  seq: number;
  at: number;
  timer: TimerHandle;
}

/**
 * Trigger mode: one inspected frame per trigger, tagged with the trigger's sequence number —
 * the first frame captured at/after the edge (plus delayMs), so a frame exposed before the part
 * arrived is never inspected for it.
 */
export function createTriggeredSource(o: TriggeredSourceOptions): TriggeredFrameSource {
  const clock = o.clock ?? systemClock;
  const wallNow = o.wallNow ?? (() => Date.now());
  const debounceMs = o.debounceMs ?? 0;
  const delayMs = o.delayMs ?? 0;
  const timeoutMs = o.timeoutMs ?? 1000;
  const st: TriggerStats = { captured: 0, dropped: 0, restarts: 0, triggers: 0, bounced: 0, missed: 0, cameraFrames: 0 };
  let trigSeq = 0;
  let lastEdge = -Infinity;
  let pending: Pending[] = [];
  let out: BoundedQueue<Frame> | null = null;
  let latest: Frame | null = null;
  const ctl = new AbortController();
  let pump: Promise<void> = Promise.resolve();

  function emit(f: Frame): void {
    st.captured++;
    out?.push(f);
  }

  function trigger(t: number): number {
    const seq = ++trigSeq;
    st.triggers++;
    const at = t + delayMs;
    if (!out || out.isClosed) return seq;
    if (latest && latest.capturedAt >= at) {
      emit({ ...latest, seq });
      return seq;
    }
    const timer = clock.setTimeout(() => {
      pending = pending.filter((p) => p.seq !== seq);
      st.missed++;
      o.log.warn({ code: 'CAMERA_TRIGGER_MISSED', trigger: seq, timeout_ms: timeoutMs }, 'no frame for trigger in time; delivered empty');
      emit({ seq, capturedAt: at, wallTs: wallNow(), data: Buffer.alloc(0), source: 'trigger-timeout' });
    }, timeoutMs);
    pending.push({ seq, at, timer });
    return seq;
  }

  function onCameraFrame(f: Frame): void {
    st.cameraFrames++;
    latest = f;
    try {
      o.onCameraFrame?.(f);
    } catch (err) {
      o.log.error({ err: errorMessage(err) }, 'onCameraFrame listener threw');
    }
    if (pending.length === 0) return;
    const due = pending.filter((p) => p.at <= f.capturedAt);
    if (due.length === 0) return;
    pending = pending.filter((p) => p.at > f.capturedAt);
    for (const p of due) {
      clock.clearTimeout(p.timer);
      emit({ ...f, seq: p.seq });
    }
  }

  function flushPending(): void {
    for (const p of pending) {
      clock.clearTimeout(p.timer);
      st.missed++;
      emit({ seq: p.seq, capturedAt: p.at, wallTs: wallNow(), data: Buffer.alloc(0), source: 'trigger-timeout' });
    }
    pending = [];
  }

  async function stop(): Promise<void> {
    ctl.abort();
    await o.input?.stop();
    await o.inner.stop?.();
    await pump;
    for (const p of pending) clock.clearTimeout(p.timer);
    pending = [];
    out?.close();
  }

  return {
    kind: `${o.inner.kind}+trigger`,
    softwareTrigger: () => trigger(clock.now()),
    frames(signal: AbortSignal): AsyncIterable<Frame> {
      const q = new BoundedQueue<Frame>(o.queueSize ?? 8, (f) => {
        st.dropped++;
        o.log.error({ code: 'CAMERA_TRIGGER_DROPPED', trigger: f.seq }, 'triggered frame dropped: pipeline behind');
        o.onDropped?.(f);
      });
      out = q;
      signal.addEventListener('abort', () => void stop(), { once: true });
      pump = (async () => {
        for await (const f of o.inner.frames(ctl.signal)) onCameraFrame(f);
        // Camera ended by itself: outstanding triggers still get (empty) frames. Not on stop():
        // the line is shutting down and the PLC side closes to its safe state anyway.
        if (!ctl.signal.aborted) flushPending();
        q.close();
      })().catch((err) => {
        if (!ctl.signal.aborted) flushPending();
        q.fail(err);
      });
      void Promise.resolve(
        o.input?.start((t) => {
          if (t - lastEdge < debounceMs) {
            st.bounced++;
            return;
          }
          lastEdge = t;
          trigger(t);
        }),
      ).catch((err) => q.fail(err));
      return q;
    },
    stats: () => ({ ...st, restarts: o.inner.stats().restarts }),
    stop,
  };
}
