import { z } from 'zod';
import { ScoreRuleSchema } from '../score/index.js';

// The score rule's schema lives with the rules it describes (score/); re-exported for the card's readers.
export { BASE_SCORE_RULES, SCORE_RULES, ComboPartSchema, ScoreRuleSchema, ruleUsesAnomaly, ruleUsesSsim, type ComboPart, type ScoreRule, type ScoreRuleName } from '../score/index.js';

/**
 * The model card: a JSON file next to each .onnx (`foo.onnx` → `foo.card.json`), written by
 * training/ and read by the daemon. It is the single source of truth for preprocessing, the
 * score rule and the thresholds, so the field applies exactly what training measured.
 */

/**
 * Absolute paths in free text cut to their last 3 components (`/work/shared/datasets/casting/train/defect`
 * → `casting/train/defect`): cards trained before training wrote dataset names carry the training
 * machine's paths, which mean nothing at a station and say more about that machine than a card should.
 */
export function shortenPaths(text: string): string {
  return text.replace(/(^|[\s(=:'"])(\/[^\s()'",;]+)/g, (_m, pre: string, path: string) => pre + path.split('/').filter(Boolean).slice(-3).join('/'));
}

/** The rule is for people (logs, eval, the dashboard): shortened once, where every card is read. */
const ThresholdSchema = z.object({ value: z.number(), rule: z.string().transform(shortenPaths) });

export const ModelCardSchema = z.object({
  schema: z.literal('inspectd.model-card/1'),
  name: z.string(),
  variant: z.enum(['fp32', 'int8']),
  onnx_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: z.object({ name: z.string(), shape: z.tuple([z.literal(1), z.number().int(), z.number().int(), z.number().int()]) }),
  output: z.object({ name: z.string(), shape: z.tuple([z.literal(1), z.number().int(), z.number().int(), z.number().int()]) }),
  /** Two-stage models: the discriminative head's per-pixel anomaly probability, [1, 1, H, W]. */
  anomaly_output: z.object({ name: z.string(), shape: z.tuple([z.literal(1), z.literal(1), z.number().int(), z.number().int()]) }).optional(),
  preprocess: z.object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.union([z.literal(1), z.literal(3)]),
    kernel: z.enum(['area', 'nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3']),
    mean: z.array(z.number()).min(1),
    std: z.array(z.number().positive()).min(1),
    /** For people: which decoders the pixel path uses (the kernel decides the code path). */
    decoder: z.string().optional(),
  }),
  /** Model output is in [0,1] pixel units (sigmoid); SSIM uses data_range 1, Gaussian σ 1.5, 11 taps, K1 .01, K2 .03. */
  ssim: z.object({ sigma: z.number(), win: z.number().int(), k1: z.number(), k2: z.number(), data_range: z.number() }),
  score: ScoreRuleSchema.extend({ polarity: z.literal('higher_is_good') }),
  thresholds: z.object({
    good_only: ThresholdSchema,
    f1_optimal: ThresholdSchema.nullable().optional(),
  }),
  calibration: z.record(z.string(), z.unknown()).optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  training: z.record(z.string(), z.unknown()).optional(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;

export function cardPathFor(modelPath: string): string {
  return modelPath.replace(/\.onnx$/i, '') + '.card.json';
}
