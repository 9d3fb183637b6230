import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';

interface Done { status: number | null; stdout: string; stderr: string }
/**
 * An async child: spawnSync would block this test worker's event loop for the minute or more a
 * training step takes on a loaded box, and vitest's worker RPC times out ("onTaskUpdate").
 */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Done> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('error', reject);
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { ModelCardSchema } from '../../src/model/card.js';

// CI runs from a clean clone with the datasets next to the repository (../shared/datasets).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const goodDir = path.resolve(repoRoot, '../shared/datasets/casting/train/good');

describe('training smoke: python -m training train on 8 images, 1 epoch', () => {
  let tmp = '';
  let train: Done;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'inspectd-train-'));
    train = await run(
      '/usr/bin/python3',
      ['-m', 'training', '--runs', path.join(tmp, 'runs'), 'train', '--data', goodDir, '--name', 'smoke',
        '--limit', '8', '--epochs', '1', '--batch', '4', '--calib-images', '8', '--out', path.join(tmp, 'models')],
      { cwd: repoRoot, env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } },
    );
  }, 120_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('exits 0 and writes a run record', () => {
    expect(train.status, train.stderr.slice(-3000)).toBe(0);
    const metrics = JSON.parse(readFileSync(path.join(tmp, 'runs', 'smoke', 'metrics.json'), 'utf8'));
    expect(metrics.quantization.optimized_ops.QLinearConv).toBe(9);
  });

  const outputs: Record<string, Float32Array> = {};
  for (const variant of ['fp32', 'int8'] as const) {
    it(`${variant}: card validates, sha256 matches, model runs in onnxruntime-node`, async () => {
      const onnxPath = path.join(tmp, 'models', `smoke-${variant}.onnx`);
      const card = ModelCardSchema.parse(JSON.parse(readFileSync(path.join(tmp, 'models', `smoke-${variant}.card.json`), 'utf8')));
      expect(card.variant).toBe(variant);
      expect(card.onnx_sha256).toBe(createHash('sha256').update(readFileSync(onnxPath)).digest('hex'));
      expect(card.preprocess.channels).toBe(1); // casting is grey: detected from the data
      expect(card.thresholds.good_only.value).toBeLessThan(1);

      const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
      const [, c, h, w] = card.input.shape;
      const x = new Float32Array(c * h * w).map((_, i) => ((i * 7919) % 256) / 255);
      const out = (await session.run({ [card.input.name]: new ort.Tensor('float32', x, card.input.shape) }))[card.output.name];
      expect(out.dims).toEqual(card.output.shape);
      const y = out.data as Float32Array;
      expect(y.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
      outputs[variant] = y;
    });
  }

  it('int8 is smaller than fp32 and reconstructs close to it', () => {
    const size = (v: string) => statSync(path.join(tmp, 'models', `smoke-${v}.onnx`)).size;
    expect(size('int8')).toBeLessThan(size('fp32'));
    const a = outputs.fp32;
    const b = outputs.int8;
    let d = 0;
    for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
    expect(d / a.length).toBeLessThan(0.05);
  });
});

describe('training smoke: discriminative stage (head) on the smoke AE, 1 epoch, two-stage export', () => {
  let tmp = '';
  const steps: Done[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'inspectd-head-'));
    // A few real images: the head needs held-out goods and labelled defects for its selection set.
    const pick = (from: string, to: string, n: number) => {
      mkdirSync(to, { recursive: true });
      for (const f of readdirSync(from).sort().slice(0, n)) copyFileSync(path.join(from, f), path.join(to, f));
    };
    pick(goodDir, path.join(tmp, 'good'), 12);
    pick(path.resolve(goodDir, '../defect'), path.join(tmp, 'defect'), 4);
    // The temp image folders get their own pixel cache, so CI leaves nothing in training/cache.
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', TRAIN_CACHE: path.join(tmp, 'cache') };
    const py = (...args: string[]) => run('/usr/bin/python3', ['-m', 'training', '--runs', path.join(tmp, 'runs'), ...args], { cwd: repoRoot, env });
    const ae = path.join(repoRoot, 'models', 'casting-ae-fp32.onnx');
    steps.push(await py('head', '--data', path.join(tmp, 'good'), '--name', 'h', '--ae', ae, '--defects', path.join(tmp, 'defect'), '--epochs', '1', '--batch', '4', '--holdout', '0.25'));
    steps.push(await py('finalize-head', '--name', 'h', '--ae', ae, '--data', path.join(tmp, 'good'), '--defects', path.join(tmp, 'defect'), '--out', path.join(tmp, 'models'), '--ship-as', 'two'));
  }, 240_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('trains, keeps a resumable checkpoint and a best.pt, exports and writes cards', () => {
    for (const s of steps) expect(s.status, s.stderr.slice(-3000)).toBe(0);
    const progress = JSON.parse(readFileSync(path.join(tmp, 'runs', 'h', 'progress.json'), 'utf8'));
    expect(progress.epoch).toBe(1);
    expect(statSync(path.join(tmp, 'runs', 'h', 'best.pt')).size).toBeGreaterThan(0);
  });

  for (const variant of ['fp32', 'int8'] as const) {
    it(`${variant}: the daemon loads the two-stage model and its card (both outputs checked)`, async () => {
      const { loadModel } = await import('../../src/model/load.js');
      const m = await loadModel(path.join(tmp, 'models', `two-${variant}.onnx`));
      expect(m.card.anomaly_output?.name).toBe('anomaly');
      const session = await ort.InferenceSession.create(m.modelPath, { intraOpNumThreads: 1 });
      const x = new Float32Array(128 * 128).map((_, i) => ((i * 7919) % 256) / 255);
      const out = await session.run({ input: new ort.Tensor('float32', x, [1, 1, 128, 128]) });
      expect(out.reconstruction.dims).toEqual([1, 1, 128, 128]);
      expect(out.anomaly.dims).toEqual([1, 1, 128, 128]);
      expect((out.anomaly.data as Float32Array).every((v) => v >= 0 && v <= 1)).toBe(true);
      await session.release();
    });
  }
});
