import { writeFileSync } from 'node:fs';
import type { Values } from './commands.js';
import { type CliIo, line } from './io.js';
import { req } from './evalCmd.js';
import { histogramPng } from './histogramPng.js';
import { progressBar } from './progress.js';
import { scoreFolder } from './scoreFolder.js';
import { openInspector } from '../model/client.js';
import { quantile } from '../score/stats.js';
import { describeRule, goodOnlyThreshold, ruleFromCard } from '../score/threshold.js';
import { listImages } from '../util/images.js';
import { falseRejectRate, tooFewGoods } from '../score/falseRejects.js';

/**
 * `inspectd calibrate`: the threshold for THIS station from a folder of its own good parts,
 * with the good-only rule the model card carries. Calibrating on the line's own images is what
 * makes a threshold transfer (lighting, camera and fixture differ from the training set).
 */
export async function calibrateCmd(v: Values, _pos: string[], io: CliIo): Promise<number> {
  const model = req(v.model, '--model');
  const goodDir = req(v.good, '--good');
  const inspector = await openInspector(model, { workers: Number(v.workers ?? 2) });
  try {
    const card = inspector.card;
    const bar = progressBar(io, 'calibrate', (await listImages(goodDir)).length);
    const scored = await scoreFolder(goodDir, inspector, card.preprocess, { onProgress: bar.tick });
    bar.stop();
    const scores = scored.flatMap((s) => (s.score === null ? [] : [s.score]));
    const unreadable = scored.filter((s) => s.score === null).map((s) => `${s.file}: ${s.error}`);
    const rule = ruleFromCard(card.calibration);
    const threshold = goodOnlyThreshold(scores, rule);
    const report = {
      model, n_good: scores.length, unreadable, threshold: round(threshold), rule: describeRule(rule),
      card_threshold: card.thresholds.good_only.value,
      would_reject: scores.filter((s) => s < threshold).length,
      // In-sample: the same goods set the threshold, so the line's rate is likely a little higher.
      expected_false_reject_rate: frr(scores, threshold),
      warning: tooFewGoods(scores.length),
      stats: { min: round(Math.min(...scores)), p01: round(quantile(scores, 0.01)), p50: round(quantile(scores, 0.5)), max: round(Math.max(...scores)) },
      png: v.png ? String(v.png) : null,
    };
    if (v.png) writeFileSync(String(v.png), await histogramPng({ good: scores, threshold, title: `${card.name}: ${scores.length} good images, ${report.rule}` }));
    if (report.warning) line(io.err, `warning: ${report.warning}`);
    if (v.json) line(io.out, JSON.stringify(report));
    else {
      line(io.out, `threshold ${report.threshold}  (${report.rule}; the card says ${report.card_threshold})`);
      line(io.out, `${report.n_good} good images: min ${report.stats.min}, 1% ${report.stats.p01}, median ${report.stats.p50}; ${report.would_reject} would be rejected`);
      const f = report.expected_false_reject_rate;
      line(io.out, `expected false-reject rate ${pct(f.rate)} of good parts (95 % interval ${pct(f.ci95[0])} – ${pct(f.ci95[1])}, from these ${f.n} images)`);
      if (unreadable.length) line(io.out, `unreadable: ${unreadable.length}\n  ${unreadable.join('\n  ')}`);
      line(io.out, `set it with  model.threshold: ${report.threshold}  in the config${v.png ? `; histogram: ${v.png}` : ''}`);
    }
    return scores.length ? 0 : 1;
  } finally {
    await inspector.close();
  }
}

const round = (x: number) => Math.round(x * 1e5) / 1e5;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function frr(scores: number[], threshold: number) {
  const f = falseRejectRate(scores, threshold);
  return { rate: round(f.rate), ci95: [round(f.ci95[0]), round(f.ci95[1])] as [number, number], rejected: f.rejected, n: f.n };
}
