import { z } from 'zod';

/**
 * The model card: a JSON file next to each .onnx (`foo.onnx` → `foo.card.json`), written by
 * training/ and read by the daemon. It is the single source of truth for preprocessing, the
 * score rule and the thresholds, so the field applies exactly what training measured.
 */
export const SCORE_RULES = ['ssim_mean', 'ssim_pool_min', 'ssim_quantile', 'residual_pool'] as const;
export type ScoreRuleName = (typeof SCORE_RULES)[number];

export const ScoreRuleSchema = z.object({
  /**
   * ssim_mean      mean of the SSIM map (border of (win-1)/2 px cropped, as skimage does)
   * ssim_pool_min  min over the map after a box mean-pool of `pool`×`pool` (stride 1, valid, on the cropped map)
   * ssim_quantile  the `q` quantile (linear interpolation, numpy default) of the cropped map
   * residual_pool  1 - max over a `pool`×`pool` box mean of the residual r, where r per pixel is
   *                mean over channels of `sign`(recon - input): 'dark' = max(recon-input, 0),
   *                'bright' = max(input-recon, 0), 'abs' = |recon-input| (inputs in [0,1])
   * Every rule gives a score where higher means "more like a good part".
   */
  rule: z.enum(SCORE_RULES),
  pool: z.number().int().positive().optional(),
  q: z.number().min(0).max(1).optional(),
  sign: z.enum(['dark', 'bright', 'abs']).optional(),
});
export type ScoreRule = z.infer<typeof ScoreRuleSchema>;

const ThresholdSchema = z.object({ value: z.number(), rule: z.string() });

export const ModelCardSchema = z.object({
  schema: z.literal('inspectd.model-card/1'),
  name: z.string(),
  variant: z.enum(['fp32', 'int8']),
  onnx_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: z.object({ name: z.string(), shape: z.tuple([z.literal(1), z.number().int(), z.number().int(), z.number().int()]) }),
  output: z.object({ name: z.string(), shape: z.tuple([z.literal(1), z.number().int(), z.number().int(), z.number().int()]) }),
  preprocess: z.object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.union([z.literal(1), z.literal(3)]),
    kernel: z.enum(['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3']),
    mean: z.array(z.number()).min(1),
    std: z.array(z.number().positive()).min(1),
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
