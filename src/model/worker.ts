import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { InspectdError } from '../platform/index.js';
import { residualHeat, score } from '../score/index.js';
import { ruleUsesAnomaly, ruleUsesSsim } from './card.js';
import { SsimComputer } from '../score/index.js';
import { outputDimsProblem, sessionProblems, shapeMismatch, type IoMetadata } from './load.js';
import { unitPlanes } from './planes.js';
import type { DecodedFrame, InspectRequest, WireError, WorkerInit, WorkerReply } from './protocol.js';
import { loadPixelPath, preprocessImage } from '../preprocess/index.js';

/**
 * Worker-thread entry: one onnxruntime session + one SsimComputer. onnxruntime-node's
 * `session.run()` does its work on the calling thread, so it lives here and the main thread's
 * event loop (GPIO timing, MQTT keep-alive, watchdog) never waits for a model. The client keeps
 * up to two requests here; they run one after the other on this thread (run() and the scoring
 * after it are synchronous, so the shared x01 / SSIM buffers are never used by two at once).
 */

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (msg: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

function wire(err: unknown): WireError {
  if (err instanceof InspectdError) return { code: err.code, message: err.message, context: err.context };
  return { code: 'MODEL_INFERENCE_FAILED', message: err instanceof Error ? err.message : String(err) };
}

async function main(): Promise<void> {
  const { card, onnxPath } = init;
  const { width, height, channels, mean, std } = card.preprocess;
  const plane = width * height;
  const dims = card.input.shape as unknown as number[];
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxPath, {
      intraOpNumThreads: init.threads,
      // Parallelism comes from several workers, not from inter-op threads inside one.
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new InspectdError('MODEL_LOAD_FAILED', `${onnxPath}: onnxruntime cannot open it: ${(err as Error).message}`, { modelPath: onnxPath });
  }
  const problems = sessionProblems(card, session.inputMetadata as readonly IoMetadata[], session.outputMetadata as readonly IoMetadata[]);
  if (problems.length) throw shapeMismatch(onnxPath, problems);

  const ssim = new SsimComputer(width, height, channels, { sigma: card.ssim.sigma, win: card.ssim.win, k1: card.ssim.k1, k2: card.ssim.k2, dataRange: card.ssim.data_range });
  const x01 = new Float32Array(plane * channels);
  const anomalyName = card.anomaly_output?.name;
  const fetches = anomalyName ? [card.output.name, anomalyName] : [card.output.name];
  const needsSsim = ruleUsesSsim(card.score);
  // The heatmap shows the map the decision used: the head's anomaly map when the rule reads it.
  const mapIsAnomaly = ruleUsesAnomaly(card.score);
  const residualRule = card.score.rule === 'combo' ? card.score.parts!.find((p) => p.rule === 'residual_pool') : card.score.rule === 'residual_pool' ? card.score : undefined;
  const mapIsResidual = !mapIsAnomaly && !needsSsim && residualRule !== undefined;

  const NO_MAP = new Float32Array(0);
  const run = async (data: Float32Array, wantMap: boolean, mapIfScoreBelow: number | undefined) => {
    const t0 = performance.now();
    const out = await session.run({ [card.input.name]: new ort.Tensor('float32', data, dims) }, fetches);
    const t1 = performance.now();
    const recon = out[card.output.name];
    const p = outputDimsProblem(card, recon.dims);
    if (p) throw shapeMismatch(onnxPath, [p]);
    const reconData = recon.data as Float32Array;
    const anomaly = anomalyName ? (out[anomalyName].data as Float32Array) : undefined;
    if (anomaly && anomaly.length !== plane) throw shapeMismatch(onnxPath, [{ path: 'anomaly_output.shape', message: `a real inference returned ${anomaly.length} values, the card says ${width}×${height}` }]);
    unitPlanes(data, plane, channels, mean, std, x01);
    // A residual rule needs no SSIM: the map (≈40 % of the worker's time per frame, measured) is
    // then computed only for frames whose heatmap is wanted — rejects, normally.
    let res = needsSsim ? ssim.compute(x01, reconData) : null;
    // ssim_mean straight from the float64 sum; the rule on the float32 map would differ by ~1e-8.
    const s = card.score.rule === 'ssim_mean' ? res!.mean : score(card.score, { input: x01, recon: reconData, ssimMap: res?.map ?? NO_MAP, width, height, channels, pad: ssim.pad, anomaly });
    const mapWanted = wantMap && (mapIfScoreBelow === undefined || s < mapIfScoreBelow);
    let map: Float32Array | undefined;
    if (mapWanted && mapIsAnomaly) {
      // 1 - p: the heatmap reads low values as bad, as it does for an SSIM map.
      map = new Float32Array(plane);
      for (let i = 0; i < plane; i++) map[i] = 1 - anomaly![i];
    } else if (mapWanted && mapIsResidual) {
      map = residualHeat({ input: x01, recon: reconData, ssimMap: NO_MAP, width, height, channels }, residualRule!.sign!);
      // The record still carries the study's mean SSIM for the frames whose evidence is kept.
      if (!res) res = ssim.compute(x01, reconData);
    } else if (mapWanted) {
      if (!res) res = ssim.compute(x01, reconData);
      // The map buffer is reused by the next compute(): send a copy.
      map = res.map.slice();
    }
    return { score: s, ssimMean: res ? res.mean : null, map, inferMs: t1 - t0, scoreMs: performance.now() - t1 };
  };

  // Warm-up: the first runs allocate arenas and let V8 optimise the SSIM loops; the daemon
  // reports READY only after this. The first run also proves the output shape on real data.
  const warm = new Float32Array(plane * channels);
  for (let i = 0; i < Math.max(1, init.warmup); i++) await run(warm.slice(), false, undefined);
  await loadPixelPath(card.preprocess.kernel); // the frame decoder too: the first frame must not wait for it

  port.on('message', (req: InspectRequest) => {
    if (req.type !== 'inspect') return;
    void handle(req);
  });

  const handle = async (req: InspectRequest): Promise<void> => {
    if (req.testHook && init.testHooks) {
      if (req.testHook.crash) {
        setImmediate(() => {
          throw new Error('test hook: worker crash');
        });
        return;
      }
      // Busy-wait on purpose: a stuck native run() blocks the thread the same way.
      const until = Date.now() + (req.testHook.stallMs ?? 0);
      while (Date.now() < until);
    }
    try {
      let data = req.data;
      let frame: DecodedFrame | undefined;
      if (req.encoded) {
        const t0 = performance.now();
        const spec = req.roi ? { ...card.preprocess, roi: req.roi } : card.preprocess;
        const pre = await preprocessImage(Buffer.from(req.encoded.buffer, req.encoded.byteOffset, req.encoded.byteLength), spec, { sync: true });
        const px = pre.pixels;
        // Transferable only when the pixels own their buffer (sharp's may be a pooled slice).
        const pixels = px.byteOffset === 0 && px.byteLength === px.buffer.byteLength ? px : px.slice();
        frame = { pixels, preprocessMs: performance.now() - t0, sourceWidth: pre.sourceWidth, sourceHeight: pre.sourceHeight };
        data = pre.tensor.data;
      }
      if (!data || data.length !== plane * channels) {
        throw new InspectdError('MODEL_INPUT_SHAPE', `input has ${data?.length ?? 0} values, the model takes ${channels}×${height}×${width}`);
      }
      const r = await run(data, req.wantMap, req.mapIfScoreBelow);
      const transfer = [...(r.map ? [r.map.buffer as ArrayBuffer] : []), ...(frame ? [frame.pixels.buffer as ArrayBuffer] : [])];
      post({ type: 'result', id: req.id, ...r, frame }, transfer);
    } catch (err) {
      post({ type: 'failed', id: req.id, error: wire(err) });
    }
  };

  post({ type: 'ready' });
}

main().catch((err) => post({ type: 'fatal', error: wire(err) }));
