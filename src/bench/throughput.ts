import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { cardPathFor, openInspector } from '../model/index.js';
import { preprocessImage } from '../preprocess/index.js';
import { listImages } from '../platform/index.js';

/**
 * Throughput benchmarks of issue "speed close to the machine's limit", all in one process:
 *   model_only   N workers, one session each, pre-made tensors back to back: the limit
 *   frame_sizes  whole frames decoded + resized + scored in the workers (inspectEncoded), by
 *                camera frame size (MJPEG frames as a camera sends them)
 *   eval_vs_python  `inspectd eval` against a plain Python loop over the same images
 */

const round = (x: number) => Math.round(x * 100) / 100;

/** Frames/s with `inflight` requests kept in flight for `seconds`. */
async function pump(seconds: number, inflight: number, one: (i: number) => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (performance.now() < end) await one(n++);
  }));
  return n / ((performance.now() - t0) / 1000);
}

export async function modelOnly(model: string, opts: { workers: number; seconds: number; samples: string }): Promise<{ fps: number; ms_per_frame_per_worker: number }> {
  const insp = await openInspector(model, { workers: opts.workers });
  try {
    const files = (await listImages(opts.samples)).slice(0, 12);
    const tensors = await Promise.all(files.map(async (f) => (await preprocessImage(await readFile(f), insp.card.preprocess)).tensor));
    const fps = await pump(opts.seconds, opts.workers * 2, (i) => {
      const t = tensors[i % tensors.length];
      return insp.inspect({ ...t, data: t.data.slice() }, { wantMap: false });
    });
    return { fps: round(fps), ms_per_frame_per_worker: round((1000 * opts.workers) / fps) };
  } finally {
    await insp.close();
  }
}

export const FRAME_SIZES: Record<string, [number, number]> = { vga: [640, 480], '720p': [1280, 720], '1080p': [1920, 1080], '12mp': [4056, 3040] };

/** A camera-like MJPEG frame of the given size made from a sample image (quality 85, 4:2:0). */
async function cameraFrame(sample: Buffer, w: number, h: number): Promise<Buffer> {
  return sharp(sample).resize(w, h, { fit: 'fill' }).jpeg({ quality: 85 }).toBuffer();
}

export async function frameSizes(model: string, opts: { workers: number; seconds: number; samples: string; only?: string[] }): Promise<Record<string, unknown>> {
  const insp = await openInspector(model, { workers: opts.workers });
  const out: Record<string, unknown> = { kernel: insp.card.preprocess.kernel };
  try {
    const sample = await readFile((await listImages(opts.samples))[0]);
    for (const [name, [w, h]] of Object.entries(FRAME_SIZES)) {
      if (opts.only && !opts.only.includes(name)) continue;
      const frame = await cameraFrame(sample, w, h);
      const decode: number[] = [];
      const fps = await pump(opts.seconds, opts.workers * 2, async () => {
        const r = await insp.inspectEncoded(frame, { wantMap: false });
        decode.push(r.frame!.preprocessMs);
      });
      decode.sort((a, b) => a - b);
      out[name] = { width: w, height: h, jpeg_kb: round(frame.length / 1024), fps: round(fps), decode_resize_ms_median: round(decode[decode.length >> 1]) };
    }
    return out;
  } finally {
    await insp.close();
  }
}

/** A temp copy of `model` whose card says kernel 'area' (the pixel path), and how to remove it. */
export function areaVariant(model: string, edit: (card: Record<string, any>) => void = () => {}, onnx = model): { model: string; remove: () => void } {
  return kernelVariant(model, 'area', edit, onnx);
}

/** The card's pixel path swapped: 'area' ↔ sharp 'lanczos3' (the comparison the bench reports). */
export function otherPathVariant(model: string): { model: string; kernel: string; remove: () => void } {
  const own = (JSON.parse(readFileSync(cardPathFor(model), 'utf8')) as { preprocess: { kernel: string } }).preprocess.kernel;
  const kernel = own === 'area' ? 'lanczos3' : 'area';
  return { ...kernelVariant(model, kernel), kernel };
}

function kernelVariant(model: string, kernel: string, edit: (card: Record<string, any>) => void = () => {}, onnx = model): { model: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-bench-kernel-'));
  const card = JSON.parse(readFileSync(cardPathFor(model), 'utf8')) as Record<string, any>;
  card.preprocess.kernel = kernel;
  if (kernel === 'area') card.preprocess.decoder = 'libjpeg-turbo (JPEG), sharp (other formats); exact area resize';
  else delete card.preprocess.decoder;
  edit(card);
  const out = join(dir, basename(model));
  symlinkSync(onnx, out);
  writeFileSync(cardPathFor(out), JSON.stringify(card));
  return { model: out, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Cost vs model input: the model's input/output rewritten to N×N (the networks are fully
 * convolutional) by Debian's python3-onnx, on the area pixel path: model only, and whole 1080p
 * MJPEG frames in the workers. The sha256 of the card no longer matches, so it is recomputed.
 */
export async function inputSizes(model: string, opts: { workers: number; seconds: number; samples: string; sizes: number[] }): Promise<Record<string, unknown>> {
  const py = '/usr/bin/python3';
  if (spawnSync(py, ['-c', 'import onnx'], { encoding: 'utf8' }).status !== 0) return { skipped: 'needs /usr/bin/python3 with python3-onnx to rewrite the input size' };
  const out: Record<string, unknown> = {};
  const { createHash } = await import('node:crypto');
  for (const n of opts.sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'inspectd-bench-size-'));
    try {
      const onnx = join(dir, `input${n}.onnx`);
      const p = spawnSync(py, ['-c', PY_RESIZE, model, onnx, String(n)], { encoding: 'utf8' });
      if (p.status !== 0) return { skipped: `python onnx rewrite failed: ${p.stderr.slice(-300)}` };
      const sha = createHash('sha256').update(readFileSync(onnx)).digest('hex');
      const v = areaVariant(model, (c) => {
        c.onnx_sha256 = sha;
        c.preprocess.width = c.preprocess.height = n;
        for (const io of [c.input, c.output, c.anomaly_output]) if (io) io.shape = [io.shape[0], io.shape[1], n, n];
      }, onnx);
      try {
        const m = await modelOnly(v.model, opts);
        const f = (await frameSizes(v.model, { ...opts, only: ['1080p'] }))['1080p'] as { fps: number; decode_resize_ms_median: number };
        out[String(n)] = { model_only_fps: m.fps, ms_per_frame_per_worker: m.ms_per_frame_per_worker, mjpeg_1080p_fps: f.fps, mjpeg_1080p_decode_resize_ms_median: f.decode_resize_ms_median };
      } finally {
        v.remove();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

const PY_RESIZE = `
import sys, onnx
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
m = onnx.load(src)
for vi in list(m.graph.input) + list(m.graph.output):
    d = vi.type.tensor_type.shape.dim
    if len(d) == 4:
        d[2].dim_value = n
        d[3].dim_value = n
del m.graph.value_info[:]
onnx.save(m, dst)
`;

/**
 * `inspectd eval` vs a plain Python loop (PIL decode + resize, OpenCV DNN fp32 inference,
 * scikit-image SSIM) over the same images, whole processes, wall clock. Skipped (with the reason)
 * when Debian's python3 lacks cv2 or skimage.
 */
export function evalVsPython(opts: { root: string; aeFp32: string; models: string[]; good: string; defect: string; n: number }): Record<string, unknown> {
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import cv2, skimage, PIL'], { encoding: 'utf8' });
  if (!existsSync(py) || probe.status !== 0) return { skipped: 'needs /usr/bin/python3 with python3-opencv, python3-skimage, python3-pil' };
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-pybase-'));
  try {
    const script = join(dir, 'baseline.py');
    writeFileSync(script, PY_BASELINE);
    const t0 = performance.now();
    const p = spawnSync(py, [script, opts.aeFp32, opts.good, opts.defect, String(opts.n)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' } });
    const pySec = (performance.now() - t0) / 1000;
    if (p.status !== 0) return { skipped: `python baseline failed: ${p.stderr.slice(-400)}` };
    const lists = JSON.parse(readFileSync(join(dir, 'lists.json'), 'utf8')) as { good: string[]; defect: string[] };
    const mk = (name: string, files: string[]) => {
      const d = join(dir, name);
      mkdirSync(d, { recursive: true });
      for (const f of files) symlinkSync(f, join(d, basename(f)));
      return d;
    };
    const g = mk('good', lists.good);
    const d = mk('defect', lists.defect);
    const out: Record<string, unknown> = { images: lists.good.length + lists.defect.length, python_seconds: round(pySec), python: 'PIL + OpenCV DNN (fp32 autoencoder) + skimage SSIM, one loop' };
    // The same autoencoder int8 (like for like), and the shipped default model.
    for (const model of opts.models) {
      const t1 = performance.now();
      const e = spawnSync(process.execPath, [join(opts.root, 'dist/daemon/main.js'), 'eval', '--model', model, '--good', g, '--defect', d, '--json'], { encoding: 'utf8' });
      const nodeSec = (performance.now() - t1) / 1000;
      const name = model.split('/').pop()!;
      out[name] = e.status !== 0 ? { failed: e.stderr.slice(-400) } : { inspectd_eval_seconds: round(nodeSec), ratio_python_to_inspectd: round(pySec / nodeSec) };
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PY_BASELINE = `
import json, os, sys
import cv2, numpy as np
from PIL import Image
from skimage.metrics import structural_similarity
model, good, defect, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
net = cv2.dnn.readNetFromONNX(model)
lists = {}
for k, d in (('good', good), ('defect', defect)):
    lists[k] = [os.path.join(d, f) for f in sorted(os.listdir(d))][: n // 2]
for k in lists:
    for f in lists[k]:
        x = np.asarray(Image.open(f).convert('L').resize((128, 128), Image.LANCZOS), np.float32) / 255
        net.setInput(x[None, None])
        y = net.forward()[0, 0]
        structural_similarity(x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
json.dump(lists, open(os.path.join(os.path.dirname(sys.argv[0]), 'lists.json'), 'w'))
`;
