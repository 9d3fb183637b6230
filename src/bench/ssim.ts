import { SsimComputer } from '../score/index.js';

/**
 * SSIM and inference micro-benchmarks for `npm run bench` (assembled in src/bench/index.ts).
 * Timings are medians: a 2-core box shared with other work has long tails, and the median is
 * what a steady pipeline sees.
 */

export interface SsimBench {
  width: number;
  height: number;
  runs: number;
  /** Our SsimComputer on float planes in [0,1] (mean + full map). */
  ours_ms_median: number;
  /** ssim.js 3.5 `{ ssim: 'original', downsample: false }`: Gaussian 11×11 σ 1.5, the mode closest to ours. */
  ssimjs_ms_median: number;
  /** ssimjs_ms_median / ours_ms_median. */
  ratio: number;
  /** ssim.js default mode ('weber', its fastest), for context. */
  ssimjs_weber_ms_median: number;
  ratio_weber: number;
  /** Both give a mean SSIM for the same pair: they should agree to ~1e-2 (different borders and scaling). */
  ours_mean: number;
  ssimjs_mean: number;
}

/** A deterministic 128×128 gray pair: smooth structure plus texture, and a noisy, shifted copy. */
export function benchImagePair(width = 128, height = 128): { a: Uint8Array; b: Uint8Array } {
  const a = new Uint8Array(width * height);
  const b = new Uint8Array(width * height);
  let seed = 12345;
  const rand = (): number => {
    // xorshift32: reproducible without dependencies
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const v = 128 + 60 * Math.sin(j / 9) * Math.cos(i / 13) + 30 * rand();
      a[i * width + j] = clamp8(v);
      b[i * width + j] = clamp8(v + 25 * (rand() - 0.5) + (i > 40 && i < 60 && j > 50 && j < 80 ? 40 : 0));
    }
  }
  return { a, b };
}

function clamp8(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Our SSIM vs ssim.js on the same 128×128 gray pair; runs interleaved in one process. */
export async function benchSsim(opts: { runs?: number; width?: number; height?: number } = {}): Promise<SsimBench> {
  const runs = opts.runs ?? 50;
  const width = opts.width ?? 128;
  const height = opts.height ?? 128;
  // ssim.js is a devDependency: import it only when benchmarking.
  const { ssim: ssimJs } = await import('ssim.js');
  const { a, b } = benchImagePair(width, height);
  const fa = Float32Array.from(a, (v) => v / 255);
  const fb = Float32Array.from(b, (v) => v / 255);
  // ssim.js takes RGBA ImageData; gray replicated into R, G, B.
  const rgba = (g: Uint8Array) => {
    const d = new Uint8ClampedArray(g.length * 4);
    for (let i = 0; i < g.length; i++) d.fill(g[i], 4 * i, 4 * i + 3), (d[4 * i + 3] = 255);
    return { data: d, width, height };
  };
  const ia = rgba(a);
  const ib = rgba(b);
  const comp = new SsimComputer(width, height, 1);

  const ours = (): number => comp.compute(fa, fb).mean;
  const original = (): number => ssimJs(ia, ib, { ssim: 'original', downsample: false }).mssim;
  const weber = (): number => ssimJs(ia, ib).mssim;
  // Warm-up: let V8 optimise all three before timing.
  for (let i = 0; i < 5; i++) ours(), original(), weber();
  const t: Record<'ours' | 'original' | 'weber', number[]> = { ours: [], original: [], weber: [] };
  let oursMean = 0;
  let jsMean = 0;
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    oursMean = ours();
    t.ours.push(performance.now() - t0);
    t0 = performance.now();
    jsMean = original();
    t.original.push(performance.now() - t0);
    t0 = performance.now();
    weber();
    t.weber.push(performance.now() - t0);
  }
  const oursMs = median(t.ours);
  const jsMs = median(t.original);
  const weberMs = median(t.weber);
  return {
    width, height, runs,
    ours_ms_median: round(oursMs), ssimjs_ms_median: round(jsMs), ratio: round(jsMs / oursMs, 1),
    ssimjs_weber_ms_median: round(weberMs), ratio_weber: round(weberMs / oursMs, 1),
    ours_mean: round(oursMean, 5), ssimjs_mean: round(jsMean, 5),
  };
}

export interface InferenceBench {
  model: string;
  calls: number;
  /** One worker, one request at a time: inspect() round trip (transfer + infer + score + reply). */
  inspect_ms_median: number;
  inspect_ms_p99: number;
  /** Inside the worker. */
  infer_ms_median: number;
  score_ms_median: number;
}

/** Median single-worker inspect() time on the model's own input shape (random input). */
export async function benchInference(modelPath: string, opts: { calls?: number; threadsPerWorker?: number } = {}): Promise<InferenceBench> {
  const calls = opts.calls ?? 200;
  const { openInspector } = await import('../model/index.js');
  const inspector = await openInspector(modelPath, { workers: 1, threadsPerWorker: opts.threadsPerWorker ?? 1 });
  try {
    const { width, height, channels, mean, std } = inspector.card.preprocess;
    const { a } = benchImagePair(width, height * channels);
    const plane = width * height;
    const make = (): Float32Array => {
      const t = new Float32Array(plane * channels);
      for (let c = 0; c < channels; c++) {
        const m = mean[c] ?? mean[0];
        const s = std[c] ?? std[0];
        for (let i = 0; i < plane; i++) t[c * plane + i] = (a[c * plane + i] / 255 - m) / s;
      }
      return t;
    };
    const rt: number[] = [];
    const inf: number[] = [];
    const sc: number[] = [];
    for (let i = 0; i < calls; i++) {
      // A fresh tensor each call: inspect() transfers (detaches) its buffer.
      const tensor = { data: make(), width, height, channels };
      const t0 = performance.now();
      const out = await inspector.inspect(tensor, { wantMap: false });
      rt.push(performance.now() - t0);
      inf.push(out.inferMs);
      sc.push(out.scoreMs);
    }
    const sorted = [...rt].sort((p, q) => p - q);
    return {
      model: modelPath, calls,
      inspect_ms_median: round(median(rt)), inspect_ms_p99: round(sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))]),
      infer_ms_median: round(median(inf)), score_ms_median: round(median(sc)),
    };
  } finally {
    await inspector.close();
  }
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
