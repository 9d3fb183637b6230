// onnxruntime-node helper for training/ (there is no onnxruntime Python package here).
//   run    MODEL IN.f32 N OUT.f32        reconstruct N inputs (shape from the model), write outputs
//   ranges MODEL IN.f32 N OUT.json       per-image min/max of every graph output (activation calibration)
//   fusion MODEL OPTIMIZED.onnx          write the graph onnxruntime actually runs (optimization 'all')
//   bench  MODEL N                       single-thread ms per inference, random input
// Single-threaded on purpose: that is the per-frame cost the daemon pays on each worker.
import * as ort from 'onnxruntime-node';
import { readFileSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';

const [cmd, model, a, b, c] = process.argv.slice(2);
const base = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };

function inputs(path, n, dims) {
  const buf = readFileSync(path);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const per = dims.slice(1).reduce((x, y) => x * y, 1);
  if (all.length !== n * per) throw new Error(`expected ${n * per} floats, got ${all.length}`);
  return (i) => new ort.Tensor('float32', all.subarray(i * per, (i + 1) * per), dims);
}

async function open(opts) {
  return ort.InferenceSession.create(model, { ...base, ...opts });
}

if (cmd === 'run') {
  const s = await open({ graphOptimizationLevel: 'all' });
  const n = Number(b);
  const dims = JSON.parse(process.env.ORT_DIMS);
  const get = inputs(a, n, dims);
  // Output k of a multi-output model (reconstruction, anomaly map) goes to OUT.f32 (k = 0) or OUT.f32.k.
  const fds = s.outputNames.map((_, k) => openSync(k === 0 ? c : `${c}.${k}`, 'w'));
  for (let i = 0; i < n; i++) {
    const outs = await s.run({ [s.inputNames[0]]: get(i) });
    s.outputNames.forEach((name, k) => {
      const d = outs[name].data;
      writeSync(fds[k], new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    });
  }
  fds.forEach((fd) => closeSync(fd));
} else if (cmd === 'ranges') {
  const s = await open({ graphOptimizationLevel: 'basic' });
  const n = Number(b);
  const dims = JSON.parse(process.env.ORT_DIMS);
  const get = inputs(a, n, dims);
  const res = Object.fromEntries(s.outputNames.map((k) => [k, { min: [], max: [] }]));
  for (let i = 0; i < n; i++) {
    const outs = await s.run({ [s.inputNames[0]]: get(i) });
    for (const k of s.outputNames) {
      let lo = Infinity, hi = -Infinity;
      for (const v of outs[k].data) { if (v < lo) lo = v; if (v > hi) hi = v; }
      res[k].min.push(lo); res[k].max.push(hi);
    }
  }
  writeFileSync(c, JSON.stringify(res));
} else if (cmd === 'fusion') {
  await open({ graphOptimizationLevel: 'all', optimizedModelFilePath: a });
} else if (cmd === 'bench') {
  const s = await open({ graphOptimizationLevel: 'all' });
  const dims = JSON.parse(process.env.ORT_DIMS);
  const x = new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((p, q) => p * q, 1) }, () => Math.random()), dims);
  for (let i = 0; i < 20; i++) await s.run({ [s.inputNames[0]]: x });
  const n = Number(a);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await s.run({ [s.inputNames[0]]: x });
  console.log(JSON.stringify({ ms_per_inference: Number(process.hrtime.bigint() - t) / 1e6 / n, n }));
} else {
  console.error('usage: ort_tool.mjs run|ranges|fusion|bench ...');
  process.exit(2);
}
