import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { InspectdError } from '../platform/index.js';
import { scoreRuleProblems } from '../score/index.js';
import { ModelCardSchema, cardPathFor, ruleUsesAnomaly, type ModelCard } from './card.js';

/**
 * Loading a model = trusting its card. A card that disagrees with its .onnx would make the
 * daemon preprocess or score differently from training without any visible error, so every
 * disagreement is refused here, and *all* of them are listed at once: whoever fixes a card on
 * a station should not have to iterate one error at a time.
 */

export interface Problem {
  /** Key path in the card, e.g. "input.shape" or "preprocess.std.1". */
  path: string;
  message: string;
}

export interface LoadedModel {
  card: ModelCard;
  modelPath: string;
  cardPath: string;
  sha256: string;
}

/** Minimal view of an onnxruntime session's I/O metadata (onnxruntime-common ValueMetadata). */
export interface IoMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Validate `<model>.card.json` against the schema and against itself (shapes vs preprocess,
 * per-channel arrays, SSIM window, score rule parameters). Throws MODEL_CARD_MISSING or
 * MODEL_CARD_INVALID with every problem in `context.problems`.
 */
export function readCard(modelPath: string): { card: ModelCard; cardPath: string } {
  const cardPath = cardPathFor(modelPath);
  if (!existsSync(cardPath)) {
    throw new InspectdError('MODEL_CARD_MISSING', `${cardPath}: model card not found (every .onnx needs its card next to it)`, { cardPath, modelPath });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cardPath, 'utf8'));
  } catch (err) {
    throw new InspectdError('MODEL_CARD_INVALID', `${cardPath}: not valid JSON: ${(err as Error).message}`, { cardPath, problems: [] }, { cause: err });
  }
  const parsed = ModelCardSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
    throw cardInvalid(cardPath, problems);
  }
  const problems = cardProblems(parsed.data);
  if (problems.length) throw cardInvalid(cardPath, problems);
  return { card: parsed.data, cardPath };
}

function cardInvalid(cardPath: string, problems: Problem[]): InspectdError {
  const list = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  return new InspectdError('MODEL_CARD_INVALID', `${cardPath}: ${problems.length} problem(s) in the model card:\n${list}`, { cardPath, problems });
}

/** Consistency of a schema-valid card with itself. */
export function cardProblems(card: ModelCard): Problem[] {
  const out: Problem[] = [];
  const { width, height, channels } = card.preprocess;
  const want = [1, channels, height, width];
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(card.input.shape, want)) {
    out.push({ path: 'input.shape', message: `is [${card.input.shape.join(', ')}], but preprocess (channels ${channels}, ${width}×${height}) gives [${want.join(', ')}]` });
  }
  // The score compares input and reconstruction pixel by pixel: an autoencoder's shapes agree.
  if (!same(card.output.shape, want)) {
    out.push({ path: 'output.shape', message: `is [${card.output.shape.join(', ')}], but the reconstruction must match the input [${want.join(', ')}]` });
  }
  for (const key of ['mean', 'std'] as const) {
    const n = card.preprocess[key].length;
    if (n !== 1 && n !== channels) out.push({ path: `preprocess.${key}`, message: `has ${n} values; needs 1 or ${channels} (one per channel)` });
  }
  const { sigma, win, data_range: range } = card.ssim;
  if (!(sigma > 0)) out.push({ path: 'ssim.sigma', message: `must be > 0, got ${sigma}` });
  if (!(range > 0)) out.push({ path: 'ssim.data_range', message: `must be > 0, got ${range}` });
  if (win % 2 !== 1 || win < 1) out.push({ path: 'ssim.win', message: `must be odd, got ${win}` });
  else if (win > width || win > height) out.push({ path: 'ssim.win', message: `${win} exceeds the ${width}×${height} model input` });
  else for (const m of scoreRuleProblems(card.score, width, height, (win - 1) / 2)) out.push({ path: 'score', message: m });
  if (card.anomaly_output && !same(card.anomaly_output.shape, [1, 1, height, width])) {
    out.push({ path: 'anomaly_output.shape', message: `is [${card.anomaly_output.shape.join(', ')}], but the anomaly map must be [1, 1, ${height}, ${width}]` });
  }
  if (ruleUsesAnomaly(card.score) && !card.anomaly_output) {
    out.push({ path: 'score', message: `rule ${card.score.rule} reads the anomaly map, but the card names no anomaly_output` });
  }
  return out;
}

/** The session's real inputs and outputs against the card. Symbolic dims are accepted here (checked on a real run). */
export function sessionProblems(card: ModelCard, inputs: readonly IoMetadata[], outputs: readonly IoMetadata[]): Problem[] {
  const out: Problem[] = [];
  const check = (side: 'input' | 'output', list: readonly IoMetadata[]) => {
    const want = card[side];
    const names = list.map((m) => m.name);
    const meta = list.find((m) => m.name === want.name);
    if (!meta) {
      out.push({ path: `${side}.name`, message: `"${want.name}" is not an ${side} of the model (it has ${names.map((n) => `"${n}"`).join(', ') || 'none'})` });
      return;
    }
    if (!meta.isTensor) out.push({ path: `${side}.name`, message: `"${want.name}" is not a tensor` });
    if (meta.type !== undefined && meta.type !== 'float32') out.push({ path: `${side}.name`, message: `"${want.name}" is ${meta.type}; the daemon feeds and reads float32` });
    const shape = meta.shape;
    if (shape && shape.length) {
      const bad = shape.length !== want.shape.length || shape.some((d, i) => typeof d === 'number' && d !== want.shape[i]);
      if (bad) out.push({ path: `${side}.shape`, message: `the model's ${side} "${want.name}" is [${shape.join(', ')}], the card says [${want.shape.join(', ')}]` });
    }
  };
  check('input', inputs);
  if (inputs.length > 1) out.push({ path: 'input.name', message: `the model has ${inputs.length} inputs (${inputs.map((m) => m.name).join(', ')}); the daemon feeds exactly one` });
  check('output', outputs);
  const anomaly = card.anomaly_output;
  if (anomaly && !outputs.some((m) => m.name === anomaly.name)) {
    out.push({ path: 'anomaly_output.name', message: `"${anomaly.name}" is not an output of the model (it has ${outputs.map((m) => `"${m.name}"`).join(', ')})` });
  }
  return out;
}

export function shapeMismatch(modelPath: string, problems: Problem[]): InspectdError {
  const list = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  return new InspectdError('MODEL_SHAPE_MISMATCH', `${modelPath} disagrees with its card in ${problems.length} place(s):\n${list}`, { modelPath, cardPath: cardPathFor(modelPath), problems });
}

/** True when the metadata left a dimension unknown (symbolic or absent), so only a real run can tell. */
export function hasSymbolicDims(list: readonly IoMetadata[]): boolean {
  return list.some((m) => !m.shape || m.shape.length === 0 || m.shape.some((d) => typeof d !== 'number'));
}

/**
 * Everything short of inference, in the order a person would fix it: the .onnx exists, its
 * card exists and is valid, the file is the one the card describes (sha256), and — unless
 * `checkSession` is false — onnxruntime opens it and its inputs/outputs match the card (with
 * one real inference when the file leaves a dimension symbolic). `openInspector` skips the
 * session here because each worker makes the same check on the session it really uses.
 */
export async function loadModel(modelPath: string, opts: { checkSession?: boolean } = {}): Promise<LoadedModel> {
  if (!existsSync(modelPath)) throw new InspectdError('MODEL_NOT_FOUND', `${modelPath}: model file not found`, { modelPath });
  const { card, cardPath } = readCard(modelPath);
  const sha256 = sha256File(modelPath);
  if (sha256 !== card.onnx_sha256) {
    throw new InspectdError('MODEL_SHA256_MISMATCH', `${cardPath}: onnx_sha256 is ${card.onnx_sha256}, but ${modelPath} hashes to ${sha256} (the card belongs to another export)`, { modelPath, cardPath, expected: card.onnx_sha256, actual: sha256 });
  }
  if (opts.checkSession !== false) await checkSession(modelPath, card);
  return { card, modelPath, cardPath, sha256 };
}

async function checkSession(modelPath: string, card: ModelCard): Promise<void> {
  // Native module: imported only when a session is really wanted.
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new InspectdError('MODEL_LOAD_FAILED', `${modelPath}: onnxruntime cannot open it: ${(err as Error).message}`, { modelPath }, { cause: err });
  }
  try {
    const inputs = session.inputMetadata as readonly IoMetadata[];
    const outputs = session.outputMetadata as readonly IoMetadata[];
    const problems = sessionProblems(card, inputs, outputs);
    if (problems.length) throw shapeMismatch(modelPath, problems);
    if (hasSymbolicDims(inputs) || hasSymbolicDims(outputs)) {
      const input = new ort.Tensor('float32', new Float32Array(card.input.shape.reduce((a, b) => a * b, 1)), card.input.shape);
      const res = await session.run({ [card.input.name]: input }, [card.output.name]);
      const dims = res[card.output.name].dims;
      const p = outputDimsProblem(card, dims);
      if (p) throw shapeMismatch(modelPath, [p]);
    }
  } finally {
    await session.release();
  }
}

/** A real output's dims against the card (null when they agree). */
export function outputDimsProblem(card: ModelCard, dims: readonly number[]): Problem | null {
  const want = card.output.shape;
  if (dims.length === want.length && dims.every((d, i) => d === want[i])) return null;
  return { path: 'output.shape', message: `a real inference returned [${dims.join(', ')}], the card says [${want.join(', ')}]` };
}
