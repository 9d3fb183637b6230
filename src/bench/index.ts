/**
 * `npm run bench`: prints one JSON object. Everything is measured in this one process, medians
 * over repeated runs, and reported next to a baseline measured the same way, because absolute
 * numbers on a shared 2-core box move with whatever else runs.
 *
 *   ssim              ours vs ssim.js on a 128×128 pair (Gaussian 'original' mode and its default)
 *   inference         median inspect() (ONNX + SSIM + score) per model variant, one worker
 *   end_to_end.max    replay as fast as possible through the real app (sharp, worker pool,
 *                     SQLite, sim GPIO): frames/s, capture→decision p50/p99, per-stage medians
 *   end_to_end.paced  the same at 30 fps: latency p50/p99 and drops
 *   end_to_end.other_path  the same model with its card on the other pixel path (area ↔ sharp
 *                     lanczos3; cost only)
 *   rss               peak resident set size of this process; rss_steady_mb per e2e run
 *   limits            model only (the limit), frames by camera size decoded in the workers
 *                     (card kernel and the other path), cost vs model input 128/192/256,
 *                     `inspectd eval` vs a plain Python loop (src/bench/throughput.ts)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { parseConfig } from '../config/index.js';
import { createApp, createPorts } from '../daemon/index.js';
import { quantile } from '../score/index.js';
import { benchInference, benchSsim } from './ssim.js';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

async function endToEnd(opts: { model: string; samples: string; fps: number; seconds: number; workers: number; saveImages?: 'rejects' | 'none' }) {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-bench-'));
  try {
    const cfg = parseConfig(
      [
        'station: bench',
        `camera: { source: replay, path: "${opts.samples}", fps: ${opts.fps}, loop: true, queue: 4 }`,
        `model: { path: "${opts.model}", workers: ${opts.workers} }`,
        `gpio: { backend: sim, sim_log: "${join(dir, 'gpio.jsonl')}", travel_ms: 0, pulse_ms: 1 }`,
        `storage: { database: "${join(dir, 'db.sqlite')}", images: "${join(dir, 'images')}", save_images: ${opts.saveImages ?? 'rejects'} }`,
        `mqtt: { url: "" }`,
        'log: { level: error }',
      ].join('\n'),
      join(dir, 'bench.yaml'),
    );
    const app = createApp(cfg, createPorts(cfg, { env: {}, pid: 0 }), pino({ level: 'error' }));
    await app.start();
    const t0 = performance.now();
    // Resident memory while frames flow, after the first second (arenas and JIT settle first).
    const rss: number[] = [];
    const sampler = setInterval(() => performance.now() - t0 > 1000 && rss.push(process.memoryUsage.rss() / 2 ** 20), 250);
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    clearInterval(sampler);
    const elapsed = (performance.now() - t0) / 1000;
    const s = app.stats() as { inspected: number; dropped: number };
    await app.stop('bench done');
    const db = new Database(join(dir, 'db.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT latency_ms, preprocess_ms, infer_ms, score_ms, verdict FROM inspections ORDER BY id').all() as Array<Record<string, number>>;
    db.close();
    // Skip the first second's frames: worker JIT and sharp's first decodes are not steady state.
    const steady = rows.slice(Math.min(rows.length - 1, Math.floor(rows.length / Math.max(1, elapsed))));
    const col = (k: string) => steady.map((r) => r[k]).filter((v) => typeof v === 'number').sort((a, b) => a - b);
    const med = (k: string) => round(quantile(col(k), 0.5));
    return {
      frames: s.inspected, seconds: round(elapsed), fps: round(s.inspected / elapsed), dropped: s.dropped,
      latency_ms: { p50: round(quantile(col('latency_ms'), 0.5)), p99: round(quantile(col('latency_ms'), 0.99)) },
      stages_median_ms: { preprocess: med('preprocess_ms'), infer: med('infer_ms'), score: med('score_ms') },
      // This bench process's RSS (it also holds what earlier sections loaded): an upper bound for a daemon's.
      rss_steady_mb: round(quantile(rss.sort((a, b) => a - b), 0.5)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Frames/s of the card's sharp preprocessing alone over the sample folder, 4 in flight. */
async function preprocessOnly(samples: string, model: string, seconds: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const { listImages } = await import('../platform/index.js');
  const { preprocessImage } = await import('../preprocess/index.js');
  const { readCard } = await import('../model/index.js');
  const spec = readCard(model).card.preprocess;
  const bufs = await Promise.all((await listImages(samples)).map((f) => readFile(f)));
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (performance.now() < end) await preprocessImage(bufs[n++ % bufs.length], spec);
  }));
  return round(n / ((performance.now() - t0) / 1000));
}

async function limits(model: string, samples: string, seconds: number, workers: number, other: { model: string; kernel: string }) {
  const { modelOnly, frameSizes, evalVsPython, inputSizes } = await import('./throughput.js');
  const ae = join(ROOT, 'models/casting-ae-int8.onnx');
  const data = resolve(arg('datasets', join(ROOT, '../shared/datasets')));
  return {
    model_only: await modelOnly(model, { workers, seconds, samples }),
    model_only_autoencoder: existsSync(ae) && ae !== model ? await modelOnly(ae, { workers, seconds, samples }) : undefined,
    frame_sizes: await frameSizes(model, { workers, seconds: Math.max(2, seconds / 2), samples }),
    frame_sizes_other_path: { kernel: other.kernel, ...(await frameSizes(other.model, { workers, seconds: Math.max(2, seconds / 2), samples })) },
    model_input_sizes: await inputSizes(model, { workers, seconds: Math.max(2, seconds / 2), samples, sizes: [128, 192, 256] }),
    eval_vs_python: existsSync(join(data, 'casting/test/good'))
      ? evalVsPython({ root: ROOT, aeFp32: join(ROOT, 'models/casting-ae-fp32.onnx'), models: [ae, model], good: join(data, 'casting/test/good'), defect: join(data, 'casting/test/defect'), n: Number(arg('eval-images', '600')) })
      : { skipped: `no datasets at ${data} (--datasets DIR)` },
  };
}

async function main() {
  const model = resolve(arg('model', join(ROOT, 'models/casting-int8.onnx')));
  const fp32 = model.replace(/-int8\.onnx$/, '-fp32.onnx');
  const samples = resolve(arg('samples', join(ROOT, 'samples/casting')));
  const seconds = Number(arg('seconds', '10'));
  const workers = Number(arg('workers', '2'));
  const out: Record<string, unknown> = { node: process.version, model, samples, workers };
  out.ssim = await benchSsim({ runs: 50 });
  const { otherPathVariant } = await import('./throughput.js');
  const other = otherPathVariant(model);
  const lim = await limits(model, samples, seconds, workers, other);
  out.limits = lim;
  out.inference = { int8: await benchInference(model, { calls: 300 }), ...(fp32 !== model ? { fp32: await benchInference(fp32, { calls: 300 }) } : {}) };
  const baseline = await preprocessOnly(samples, model, seconds / 2);
  const max = await endToEnd({ model, samples, fps: 0, seconds, workers });
  const noImages = await endToEnd({ model, samples, fps: 0, seconds, workers, saveImages: 'none' });
  out.end_to_end = {
    // Baseline: the card's preprocessing alone, 4 in flight, same process — the floor of the pipeline.
    baseline_preprocess_only_fps: baseline,
    max,
    max_without_saving_images: noImages,
    ratio_max_to_baseline: round(max.fps / baseline),
    ratio_no_images_to_baseline: round(noImages.fps / baseline),
    // The figure: end to end (no images saved) as a share of the model-only limit.
    ratio_no_images_to_model_only: round(noImages.fps / lim.model_only.fps),
    paced_30fps: await endToEnd({ model, samples, fps: 30, seconds, workers }),
    // The same model with its card on the other pixel path (area: libjpeg-turbo + area resize
    // in the worker; lanczos3: sharp): what that path costs. Its pixels differ from the ones the
    // model was trained on, so its scores are not the shipped model's: only the cost counts.
    other_path: await (async () => {
      const noImg = await endToEnd({ model: other.model, samples, fps: 0, seconds, workers, saveImages: 'none' });
      return { kernel: other.kernel, max_without_saving_images: noImg, ratio_no_images_to_model_only: round(noImg.fps / lim.model_only.fps), paced_30fps: await endToEnd({ model: other.model, samples, fps: 30, seconds, workers, saveImages: 'none' }) };
    })(),
  };
  other.remove();
  out.rss_peak_mb = round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(0);
}

const round = (x: number) => Math.round(x * 100) / 100;
void main();
