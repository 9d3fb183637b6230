import type { Frame } from '../domain/index.js';
import { decide } from '../decide/index.js';
import { InspectdError, errorCode, errorMessage } from '../platform/index.js';
import type { InspectionResult } from '../domain/index.js';
import type { PreprocessSpec, Preprocessed } from '../preprocess/index.js';
import type { InspectorOutcome, InspectorPort } from '../model/index.js';

export type { InspectorPort } from '../model/index.js';

/** What the pipeline needs from the plant side (PLC signals). Called on the awaited chain, in seq order. */
export interface PlcPort {
  /** A part entered the camera's view; the PLC side starts its fail-safe deadline for it. */
  expect(part: { seq: number; capturedAt: number }): void;
  /** Its decision: reject (pulse at capture + travel) or pass (result-valid strobe only). */
  decided(part: { seq: number; capturedAt: number }, reject: boolean): 'late' | void;
  /** It could not be inspected (the reason is the error code): gpio.on_error decides. */
  failed(part: { seq: number; capturedAt: number }, reason?: string): 'late' | void;
}

export interface Inspected {
  result: InspectionResult;
  pre?: Preprocessed;
  map?: Float32Array;
}

export interface PipelineDeps {
  station: string;
  spec: PreprocessSpec;
  preprocess: (data: Buffer, spec: PreprocessSpec) => Promise<Preprocessed>;
  inspector: InspectorPort;
  plc: PlcPort;
  getThreshold: () => number;
  /** The model card's score rule name, carried on every result as `score_rule`. */
  scoreRule: string;
  /** Whether rejected frames' SSIM maps are needed (for saved heatmap images). */
  wantMaps: boolean;
  /** Frames (by seq) whose map is wanted whatever their score: passes sampled for review. */
  mapAlways?: (seq: number) => boolean;
  /** Monotonic clock in ms, same as Frame.capturedAt. */
  now: () => number;
  /** Called once per frame, in seq order, after the PLC has its decision. Must not throw. */
  onInspected: (x: Inspected) => void;
  /** Frames processed concurrently (preprocess of the next overlaps inference of this one). */
  inflight: number;
}

/**
 * Inspect one frame. Never throws: a frame that cannot be decoded or scored becomes an `error`
 * result (counted, and a reject by default) so one bad frame cannot stop the line.
 */
export async function inspectFrame(frame: Frame, d: PipelineDeps): Promise<Inspected> {
  const threshold = d.getThreshold();
  const t0 = d.now();
  let pre: Preprocessed | undefined;
  let t1 = t0;
  // Maps only for frames below the threshold (what gets saved and shown as evidence), and for the
  // passes sampled for review, whose saved image must show the same heatmap a reject's does.
  const opts = { wantMap: d.wantMaps, mapIfScoreBelow: d.mapAlways?.(frame.seq) ? undefined : threshold };
  try {
    if (frame.error) throw new InspectdError(frame.error.code, frame.error.message);
    let out: InspectorOutcome;
    let preprocessMs: number;
    if (d.inspector.inspectEncoded) {
      // The worker decodes (with camera.roi): each core carries whole frames, this thread keeps
      // timing and I/O. Nothing reads frame.data after this, so its buffer moves without a copy.
      out = await d.inspector.inspectEncoded(frame.data, { ...opts, roi: d.spec.roi, transfer: true });
      const f = out.frame!;
      const { width, height, channels } = d.spec;
      pre = { tensor: { data: NO_TENSOR, width, height, channels }, pixels: f.pixels, sourceWidth: f.sourceWidth, sourceHeight: f.sourceHeight };
      preprocessMs = f.preprocessMs;
    } else {
      pre = await d.preprocess(frame.data, d.spec);
      t1 = d.now();
      preprocessMs = t1 - t0;
      out = await d.inspector.inspect(pre.tensor, opts);
    }
    const verdict = decide(out.score, threshold);
    return {
      result: base(frame, d, threshold, { score: out.score, ssim: out.ssimMean ?? null }, verdict, { preprocess_ms: preprocessMs, infer_ms: out.inferMs, score_ms: out.scoreMs }),
      pre,
      map: out.map,
    };
  } catch (err) {
    const stages = { preprocess_ms: (pre ? t1 : d.now()) - t0, infer_ms: 0, score_ms: 0 };
    const r = base(frame, d, threshold, NOT_SCORED, 'error', stages);
    // In-worker decoding reports FRAME_* / MODEL_* codes itself; the fallback only names the stage.
    r.error = { code: errorCode(err, pre || d.inspector.inspectEncoded ? 'MODEL_FAILED' : 'FRAME_DECODE'), message: errorMessage(err) };
    return { result: r, pre };
  }
}

const NO_TENSOR = new Float32Array(0);
const NOT_SCORED = { score: null, ssim: null };

function base(frame: Frame, d: PipelineDeps, threshold: number, s: { score: number | null; ssim: number | null }, verdict: InspectionResult['verdict'], stages: InspectionResult['stages']): InspectionResult {
  return { station: d.station, seq: frame.seq, ts: frame.wallTs, source: frame.source, score: s.score, score_rule: d.scoreRule, ssim: s.ssim, threshold, verdict, latency_ms: 0, stages };
}

/** A running pipeline: `done` settles when the frames end (rejects on an actuation failure). */
export interface Pipeline {
  readonly done: Promise<void>;
  /**
   * A frame the capture queue dropped (pipeline behind). It is decided as an `error` result
   * (FRAME_DROPPED) in its sequence place, on the same chain as every other frame: the PLC gets its
   * fail-safe decision and the sinks a row and an MQTT result, so the record matches the ejector.
   */
  dropped(frame: Frame): void;
}

/**
 * Runs frames through inspection with up to `inflight` frames overlapping, but decides them
 * strictly in sequence order: the PLC FIFO and the outbox both rely on that order. Latency is
 * measured at the decision (capture → PLC told), which is what the ejector cares about.
 */
export function startPipeline(frames: AsyncIterable<Frame>, d: PipelineDeps): Pipeline {
  let tail: Promise<void> = Promise.resolve();
  const pending = new Set<Promise<void>>();
  // A drop is always the oldest frame still queued: newer than every frame already on the chain
  // and older than every frame still to come, so appending it to the chain keeps seq order.
  const dropped = (frame: Frame) => {
    d.plc.expect({ seq: frame.seq, capturedAt: frame.capturedAt });
    const x: Inspected = { result: droppedResult(frame, d) };
    tail = tail.then(() => finalize(frame, x, d));
    tail.catch(() => {}); // surfaces through the next frame's step or the final await
  };
  const done = (async () => {
    for await (const frame of frames) {
      d.plc.expect({ seq: frame.seq, capturedAt: frame.capturedAt });
      const work = inspectFrame(frame, d);
      const step = tail.then(() => work).then((x) => finalize(frame, x, d));
      tail = step;
      pending.add(step);
      // Errors surface through `tail` below; this branch only keeps the window bookkeeping.
      step.finally(() => pending.delete(step)).catch(() => {});
      if (pending.size >= d.inflight) await Promise.race(pending);
    }
    await tail;
  })();
  return { done, dropped };
}

export function runPipeline(frames: AsyncIterable<Frame>, d: PipelineDeps): Promise<void> {
  return startPipeline(frames, d).done;
}

function droppedResult(frame: Frame, d: PipelineDeps): InspectionResult {
  const r = base(frame, d, d.getThreshold(), NOT_SCORED, 'error', { preprocess_ms: 0, infer_ms: 0, score_ms: 0 });
  r.error = { code: 'FRAME_DROPPED', message: 'dropped by the full capture queue: inspection is behind the camera' };
  return r;
}

function finalize(frame: Frame, x: Inspected, d: PipelineDeps): void {
  const part = { seq: frame.seq, capturedAt: frame.capturedAt };
  // A failed inspection goes to the PLC as a failure: its own counter and log line, and
  // gpio.on_error (applied there, in one place). Before, failures went through decided() and
  // the PLC's `failed` stat stayed 0.
  const late = x.result.verdict === 'error'
    ? d.plc.failed(part, x.result.error?.code)
    : d.plc.decided(part, x.result.verdict === 'reject');
  if (late === 'late' && x.result.verdict !== 'error') {
    // The PLC already handled this part by its late policy at the deadline: the record says so,
    // so the row matches what the ejector did, not what the model said too late.
    const said = x.result.verdict;
    x.result.verdict = 'error';
    x.result.error = { code: 'DECISION_LATE', message: `decided ${said} ${Math.round(d.now() - frame.capturedAt)} ms after capture, after the part's deadline; the PLC applied gpio.on_late` };
  }
  x.result.latency_ms = round3(d.now() - frame.capturedAt);
  d.onInspected(x);
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
