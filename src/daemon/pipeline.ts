import type { Frame } from '../capture/types.js';
import { decide, rejectsPart } from '../decide/policy.js';
import { InspectdError, errorCode, errorMessage } from '../errors.js';
import type { InspectionResult } from '../events/types.js';
import type { PreprocessSpec, Preprocessed, Tensor } from '../preprocess/types.js';

/** What the pipeline needs from the model stage (the worker-backed inspector satisfies it). */
export interface InspectorPort {
  inspect(tensor: Tensor, opts: { wantMap: boolean; mapIfScoreBelow?: number }): Promise<{ score: number; map?: Float32Array; inferMs: number; scoreMs: number }>;
}

/** What the pipeline needs from the plant side (PLC signals). Called on the awaited chain, in seq order. */
export interface PlcPort {
  /** A part entered the camera's view; the PLC side starts its fail-safe deadline for it. */
  expect(part: { seq: number; capturedAt: number }): void;
  /** Its decision: reject (pulse at capture + travel) or pass (result-valid strobe only). */
  decided(part: { seq: number; capturedAt: number }, reject: boolean): void;
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
  onError: 'reject' | 'pass';
  /** Whether rejected frames' SSIM maps are needed (for saved heatmap images). */
  wantMaps: boolean;
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
  try {
    if (frame.error) throw new InspectdError(frame.error.code, frame.error.message);
    pre = await d.preprocess(frame.data, d.spec);
    t1 = d.now();
    // Maps only for frames below the threshold: they are what gets saved and shown as evidence.
    const out = await d.inspector.inspect(pre.tensor, { wantMap: d.wantMaps, mapIfScoreBelow: threshold });
    const verdict = decide(out.score, threshold);
    return {
      result: base(frame, d, threshold, out.score, verdict, { preprocess_ms: t1 - t0, infer_ms: out.inferMs, score_ms: out.scoreMs }),
      pre,
      map: out.map,
    };
  } catch (err) {
    const stages = { preprocess_ms: (pre ? t1 : d.now()) - t0, infer_ms: 0, score_ms: 0 };
    const r = base(frame, d, threshold, null, 'error', stages);
    r.error = { code: errorCode(err, pre ? 'MODEL_FAILED' : 'FRAME_DECODE'), message: errorMessage(err) };
    return { result: r, pre };
  }
}

function base(frame: Frame, d: PipelineDeps, threshold: number, ssim: number | null, verdict: InspectionResult['verdict'], stages: InspectionResult['stages']): InspectionResult {
  return { station: d.station, seq: frame.seq, ts: frame.wallTs, source: frame.source, ssim, threshold, verdict, latency_ms: 0, stages };
}

/**
 * Runs frames through inspection with up to `inflight` frames overlapping, but decides them
 * strictly in sequence order: the PLC FIFO and the outbox both rely on that order. Latency is
 * measured at the decision (capture → PLC told), which is what the ejector cares about.
 */
export async function runPipeline(frames: AsyncIterable<Frame>, d: PipelineDeps): Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  const pending = new Set<Promise<void>>();
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
}

function finalize(frame: Frame, x: Inspected, d: PipelineDeps): void {
  const part = { seq: frame.seq, capturedAt: frame.capturedAt };
  d.plc.decided(part, rejectsPart(x.result.verdict, d.onError));
  x.result.latency_ms = round3(d.now() - frame.capturedAt);
  d.onInspected(x);
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
