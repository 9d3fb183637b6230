import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/types.js';
import { InspectdError } from '../../src/platform/errors.js';
import type { Inspected, PipelineDeps } from '../../src/daemon/pipeline.js';
import { runPipeline, startPipeline } from '../../src/daemon/pipeline.js';
import { BoundedQueue } from '../../src/capture/queue.js';
import type { Preprocessed, PreprocessSpec } from '../../src/preprocess/types.js';

const spec: PreprocessSpec = { width: 2, height: 2, channels: 1, kernel: 'linear', mean: [0], std: [1] };

function frame(seq: number, data = 'ok', capturedAt = 0): Frame {
  return { seq, capturedAt, wallTs: 1_000_000 + seq, data: Buffer.from(data), source: `f${seq}.jpg` };
}

async function* from(frames: Frame[]) {
  for (const f of frames) yield f;
}

/** Strict recording PLC fake: every expect() must be decided exactly once, in order. */
function plcFake() {
  const log: string[] = [];
  const open = new Set<number>();
  return {
    log,
    open,
    expect(p: { seq: number }) {
      if (open.has(p.seq)) throw new Error(`part ${p.seq} expected twice`);
      open.add(p.seq);
      log.push(`expect ${p.seq}`);
    },
    decided(p: { seq: number }, reject: boolean) {
      if (!open.delete(p.seq)) throw new Error(`part ${p.seq} decided without expect or twice`);
      log.push(`${reject ? 'reject' : 'pass'} ${p.seq}`);
    },
    // gpio.on_error is the PLC's to apply (test/actuate/plc.test.ts): the pipeline reports the failure.
    failed(p: { seq: number }, reason?: string) {
      if (!open.delete(p.seq)) throw new Error(`part ${p.seq} failed without expect or twice`);
      log.push(`failed ${p.seq} ${reason}`);
    },
  };
}

function deps(over: Partial<PipelineDeps> & { scores: Record<number, number | Error>; delays?: Record<number, number>; ssims?: Record<number, number> }): { d: PipelineDeps; out: Inspected[]; plc: ReturnType<typeof plcFake> } {
  const out: Inspected[] = [];
  const plc = plcFake();
  let clock = 0;
  const d: PipelineDeps = {
    station: 's', spec, inflight: 3, wantMaps: false, getThreshold: () => 0.5, scoreRule: 'combo',
    now: () => (clock += 1),
    plc,
    preprocess: async (buf) => {
      if (buf.toString() === 'corrupt') throw new InspectdError('FRAME_DECODE', 'bad jpeg');
      return { tensor: { data: new Float32Array(4), width: 2, height: 2, channels: 1 }, pixels: new Uint8Array(4), sourceWidth: 2, sourceHeight: 2 } as Preprocessed;
    },
    inspector: {
      inspect: async (t) => {
        // Identify the frame by a marker the test put in the tensor.
        const seq = t.data[0];
        await new Promise((r) => setTimeout(r, over.delays?.[seq] ?? 0));
        const s = over.scores[seq];
        if (s instanceof Error) throw s;
        // Like the worker: the mean SSIM only for frames it computed the SSIM map for.
        return { score: s, ssimMean: over.ssims?.[seq] ?? null, inferMs: 1, scoreMs: 0.1 };
      },
    },
    onInspected: (x) => out.push(x),
    ...over,
  };
  // Put the seq into the tensor so the fake inspector knows which frame it sees.
  const pre = d.preprocess;
  let n = 0;
  d.preprocess = async (buf, sp) => {
    const p = await pre(buf, sp);
    p.tensor.data[0] = ++n;
    return p;
  };
  return { d, out, plc };
}

describe('pipeline', () => {
  it('a decision the PLC got after the part was handled as late is recorded as error DECISION_LATE', async () => {
    const { d, out } = deps({ scores: { 1: 0.9, 2: 0.9 } });
    const plc = d.plc;
    // The PLC fake says part 2's deadline had passed: the late policy already handled it.
    d.plc = { expect: (p) => plc.expect(p), decided: (p, r) => (plc.decided(p, r), p.seq === 2 ? 'late' : undefined), failed: (p, r) => plc.failed(p, r) };
    await runPipeline(from([frame(1), frame(2)]), d);
    expect(out.map((x) => [x.result.seq, x.result.verdict, x.result.error?.code])).toEqual([[1, 'pass', undefined], [2, 'error', 'DECISION_LATE']]);
    expect(out[1].result.error!.message).toMatch(/decided pass .* after the part's deadline/);
    expect(out[1].result.score).toBe(0.9);
  });

  it('a result carries the score compared with the threshold, the card rule, and the mean SSIM only where the worker computed it', async () => {
    // Frame 1: score 0.6 passes at 0.5 although its SSIM (0.3) would not: the decision is on the score.
    const { d, out } = deps({ scores: { 1: 0.6, 2: 0.4, 3: 0.7 }, ssims: { 1: 0.3, 2: 0.81 } });
    await runPipeline(from([frame(1), frame(2), frame(3)]), d);
    expect(out.map((x) => x.result)).toMatchObject([
      { seq: 1, score: 0.6, score_rule: 'combo', ssim: 0.3, threshold: 0.5, verdict: 'pass' },
      { seq: 2, score: 0.4, score_rule: 'combo', ssim: 0.81, threshold: 0.5, verdict: 'reject' },
      { seq: 3, score: 0.7, score_rule: 'combo', ssim: null, threshold: 0.5, verdict: 'pass' },
    ]);
  });

  it('heatmaps: for parts below the threshold, and for the passes mapAlways picks (the review sample) whatever their score', async () => {
    const asked: Array<[number, number | undefined]> = [];
    const { d, out } = deps({ scores: { 1: 0.9, 2: 0.9, 3: 0.2, 4: 0.9 }, wantMaps: true, mapAlways: (seq) => seq % 2 === 0 });
    d.inspector = {
      // As the worker decides: a map when asked for one and the score is below mapIfScoreBelow (or there is no bound).
      inspect: async (t, o) => {
        const seq = t.data[0];
        asked.push([seq, o.mapIfScoreBelow]);
        const score = ({ 1: 0.9, 2: 0.9, 3: 0.2, 4: 0.9 } as Record<number, number>)[seq];
        return { score, inferMs: 1, scoreMs: 0.1, map: o.wantMap && (o.mapIfScoreBelow === undefined || score < o.mapIfScoreBelow) ? new Float32Array(4) : undefined };
      },
    };
    await runPipeline(from([frame(1), frame(2), frame(3), frame(4)]), d);
    expect(asked.sort((a, b) => a[0] - b[0])).toEqual([[1, 0.5], [2, undefined], [3, 0.5], [4, undefined]]);
    expect(out.map((x) => [x.result.seq, x.result.verdict, x.map !== undefined])).toEqual([[1, 'pass', false], [2, 'pass', true], [3, 'reject', true], [4, 'pass', true]]);
  });

  it('decides in sequence order even when later frames finish first', async () => {
    const { d, out, plc } = deps({ scores: { 1: 0.9, 2: 0.1, 3: 0.7, 4: 0.2 }, delays: { 1: 30, 2: 0, 3: 15, 4: 0 } });
    await runPipeline(from([frame(1), frame(2), frame(3), frame(4)]), d);
    expect(out.map((x) => [x.result.seq, x.result.verdict])).toEqual([[1, 'pass'], [2, 'reject'], [3, 'pass'], [4, 'reject']]);
    expect(plc.log.filter((l) => !l.startsWith('expect'))).toEqual(['pass 1', 'reject 2', 'pass 3', 'reject 4']);
    expect(plc.open.size).toBe(0);
    for (const x of out) expect(x.result.latency_ms).toBeGreaterThan(0);
  });

  it('turns a corrupt frame or a model failure into an error verdict that rejects, and goes on', async () => {
    const { d, out, plc } = deps({ scores: { 1: 0.9, 2: new InspectdError('MODEL_TIMEOUT', 'stuck'), 3: 0.9 } });
    await runPipeline(from([frame(1), frame(2, 'corrupt'), frame(3), frame(4)]), { ...d });
    const v = out.map((x) => [x.result.seq, x.result.verdict, x.result.error?.code ?? null]);
    expect(v).toEqual([[1, 'pass', null], [2, 'error', 'FRAME_DECODE'], [3, 'error', 'MODEL_TIMEOUT'], [4, 'pass', null]]);
    expect(plc.log).toContain('failed 2 FRAME_DECODE');
    expect(plc.log).toContain('failed 3 MODEL_TIMEOUT');
    expect(out[1].result).toMatchObject({ score: null, score_rule: 'combo', ssim: null });
  });

  it('in-worker decoding: the frame goes with camera.roi and its buffer moves; a worker failure is a fail-safe error verdict', async () => {
    const roi = { left: 1, top: 2, width: 3, height: 4 };
    const seen: Array<{ bytes: string; roi: unknown; transfer: unknown }> = [];
    const { d, out, plc } = deps({ scores: {} });
    d.spec = { ...spec, roi };
    d.inspector = {
      inspect: async () => { throw new Error('the pipeline must not preprocess here when the worker can'); },
      inspectEncoded: async (bytes, opts) => {
        const text = Buffer.from(bytes).toString();
        seen.push({ bytes: text, roi: opts.roi, transfer: opts.transfer });
        if (text === 'crash') throw new InspectdError('MODEL_WORKER_CRASHED', 'worker 0 exited with code 1');
        if (text === 'corrupt') throw new InspectdError('FRAME_DECODE', 'cannot decode JPEG: corrupt or truncated data');
        return { score: 0.9, ssimMean: null, inferMs: 1, scoreMs: 0.1, frame: { pixels: new Uint8Array(4), preprocessMs: 0.5, sourceWidth: 9, sourceHeight: 9 } };
      },
    };
    await runPipeline(from([frame(1), frame(2, 'crash'), frame(3, 'corrupt'), frame(4)]), d);
    expect(seen).toEqual(['ok', 'crash', 'corrupt', 'ok'].map((bytes) => ({ bytes, roi, transfer: true })));
    expect(out.map((x) => [x.result.seq, x.result.verdict, x.result.error?.code ?? null])).toEqual([[1, 'pass', null], [2, 'error', 'MODEL_WORKER_CRASHED'], [3, 'error', 'FRAME_DECODE'], [4, 'pass', null]]);
    expect(out[2].result.error?.message).toContain('corrupt or truncated');
    expect(plc.log.filter((l) => !l.startsWith('expect'))).toEqual(['pass 1', 'failed 2 MODEL_WORKER_CRASHED', 'failed 3 FRAME_DECODE', 'pass 4']);
    expect(out[0].result.stages.preprocess_ms).toBe(0.5);
  });

  it('reads the threshold per frame, so a change applies to the next part', async () => {
    let t = 0.5;
    const { d, out } = deps({ scores: { 1: 0.6, 2: 0.6 }, getThreshold: () => t, inflight: 1 });
    const frames = (async function* () {
      yield frame(1);
      t = 0.7;
      yield frame(2);
    })();
    await runPipeline(frames, d);
    expect(out.map((x) => [x.result.verdict, x.result.threshold])).toEqual([['pass', 0.5], ['reject', 0.7]]);
  });

  it('propagates a PLC failure (actuation errors are fatal)', async () => {
    const { d } = deps({ scores: { 1: 0.1 } });
    d.plc = { expect() {}, decided() { throw new Error('GPIO gone'); }, failed() { throw new Error('GPIO gone'); } };
    await expect(runPipeline(from([frame(1), frame(2)]), d)).rejects.toThrow('GPIO gone');
  });

  it('a frame the full queue drops is decided as error FRAME_DROPPED in its seq place: reported to the PLC as failed, then a result', async () => {
    const { d, out, plc } = deps({ scores: { 1: 0.9, 2: 0.9, 3: 0.9 }, delays: { 1: 20 }, inflight: 1 });
    let p!: ReturnType<typeof startPipeline>;
    // The real queue between camera and pipeline: capacity 1, its drop hook wired like the daemon's.
    const q = new BoundedQueue<Frame>(1, (f) => p.dropped(f));
    p = startPipeline(q, d);
    q.push(frame(1, 'ok', 10)); // taken at once: inspection of 1 is slow
    await new Promise((r) => setTimeout(r, 0));
    q.push(frame(2, 'ok', 20)); // queued (the pipeline's window is full)
    q.push(frame(3, 'ok', 30)); // full: 2 is dropped
    q.push(frame(4, 'ok', 40)); // full: 3 is dropped
    q.push(frame(5, 'ok', 50)); // full: 4 is dropped
    q.close();
    await p.done;
    expect(out.map((x) => [x.result.seq, x.result.verdict, x.result.error?.code ?? null])).toEqual([
      [1, 'pass', null], [2, 'error', 'FRAME_DROPPED'], [3, 'error', 'FRAME_DROPPED'], [4, 'error', 'FRAME_DROPPED'], [5, 'pass', null],
    ]);
    expect(plc.log.filter((l) => !l.startsWith('expect'))).toEqual(['pass 1', 'failed 2 FRAME_DROPPED', 'failed 3 FRAME_DROPPED', 'failed 4 FRAME_DROPPED', 'pass 5']);
    expect(plc.open.size).toBe(0);
    const r2 = out[1].result;
    expect(r2).toMatchObject({ seq: 2, ts: 1_000_002, source: 'f2.jpg', score: null, score_rule: 'combo', ssim: null, station: 's' });
    expect(r2.error?.message).toMatch(/dropped by the full capture queue/);
    expect(out[1].pre).toBeUndefined();
  });

  it('a dropped frame is reported to the PLC as failed (gpio.on_error applies there) and is an error row', async () => {
    const { d, out, plc } = deps({ scores: {} });
    const p = startPipeline(from([]), d);
    p.dropped(frame(7));
    await p.done;
    expect(out.map((x) => x.result.error?.code)).toEqual(['FRAME_DROPPED']);
    expect(plc.log).toEqual(['expect 7', 'failed 7 FRAME_DROPPED']);
  });
});
