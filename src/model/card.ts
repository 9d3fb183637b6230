import { z } from 'zod';

/**
 * The model card: a JSON file next to each .onnx (`foo.onnx` → `foo.card.json`), written by
 * training/ and read by the daemon. It is the single source of truth for preprocessing, the
 * score rule and the thresholds, so the field applies exactly what training measured.
 */
/** Rules computed from one map or residual; `combo` combines several of them. */
export const BASE_SCORE_RULES = ['ssim_mean', 'ssim_pool_min', 'ssim_quantile', 'residual_pool', 'anomaly_max'] as const;
export const SCORE_RULES = [...BASE_SCORE_RULES, 'combo'] as const;
export type ScoreRuleName = (typeof SCORE_RULES)[number];

const ruleParams = {
  pool: z.number().int().positive().optional(),
  q: z.number().min(0).max(1).optional(),
  sign: z.enum(['dark', 'bright', 'abs']).optional(),
};

/** One signal of a combo rule with its robust statistics on held-out goods (median, 1.4826·MAD). */
export const ComboPartSchema = z.object({ rule: z.enum(BASE_SCORE_RULES), ...ruleParams, median: z.number(), scale: z.number().positive() });
export type ComboPart = z.infer<typeof ComboPartSchema>;

export const ScoreRuleSchema = z.object({
  /**
   * ssim_mean      mean of the SSIM map (border of (win-1)/2 px cropped, as skimage does)
   * ssim_pool_min  min over the map after a box mean-pool of `pool`×`pool` (stride 1, valid, on the cropped map)
   * ssim_quantile  the `q` quantile (linear interpolation, numpy default) of the cropped map
   * residual_pool  1 - max over a `pool`×`pool` box mean of the residual r, where r per pixel is
   *                mean over channels of `sign`(recon - input): 'dark' = max(recon-input, 0),
   *                'bright' = max(input-recon, 0), 'abs' = |recon-input| (inputs in [0,1])
   * anomaly_max    1 - max over a `pool`×`pool` box mean (stride 1, valid, uncropped) of the
   *                discriminative head's anomaly probability map (the model's `anomaly` output)
   * combo          logistic of the mean over `parts` of the robust z-score (part - median) / scale,
   *                each part a rule above with its statistics on held-out goods: 1 / (1 + e^-z̄),
   *                so 0.5 is a typical good part and the score stays in (0, 1)
   * Every rule gives a score where higher means "more like a good part".
   */
  rule: z.enum(SCORE_RULES),
  ...ruleParams,
  parts: z.array(ComboPartSchema).min(1).max(8).optional(),
});
export type ScoreRule = z.infer<typeof ScoreRuleSchema>;

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

/** Whether the rule (or any of its parts) reads the SSIM map. */
export function ruleUsesSsim(rule: ScoreRule): boolean {
  const uses = (r: string) => r.startsWith('ssim_');
  return rule.rule === 'combo' ? (rule.parts ?? []).some((p) => uses(p.rule)) : uses(rule.rule);
}

/** Whether the rule (or any of its parts) reads the anomaly map of a two-stage model. */
export function ruleUsesAnomaly(rule: ScoreRule): boolean {
  return rule.rule === 'combo' ? (rule.parts ?? []).some((p) => p.rule === 'anomaly_max') : rule.rule === 'anomaly_max';
}
