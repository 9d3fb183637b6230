import { z } from 'zod';

/**
 * The score rule as a model card states it: which signal of the reconstruction (SSIM map, residual,
 * anomaly map) becomes the part's score and with what parameters. Kept with the rules that compute
 * it so score/ needs nothing from model/.
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

/** Whether the rule (or any of its parts) reads the SSIM map. */
export function ruleUsesSsim(rule: ScoreRule): boolean {
  const uses = (r: string) => r.startsWith('ssim_');
  return rule.rule === 'combo' ? (rule.parts ?? []).some((p) => uses(p.rule)) : uses(rule.rule);
}

/** Whether the rule (or any of its parts) reads the anomaly map of a two-stage model. */
export function ruleUsesAnomaly(rule: ScoreRule): boolean {
  return rule.rule === 'combo' ? (rule.parts ?? []).some((p) => p.rule === 'anomaly_max') : rule.rule === 'anomaly_max';
}
