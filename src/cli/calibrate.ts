import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { type CliIo, line, type Values, req } from './io.js';
import { histogramPng } from './histogramPng.js';
import { progressBar } from './progress.js';
import { scoreFolder } from './scoreFolder.js';
import { openInspector } from '../model/index.js';
import { quantile } from '../score/index.js';
import { describeRule, goodOnlyThreshold, ruleFromCard } from '../score/index.js';
import { listImages } from '../platform/index.js';
import { falseRejectRate, labelledRates, tooFewGoods } from '../score/index.js';

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
    // --labelled: an export-dataset folder (parts people labelled), scored by THIS model.
    const lab = typeof v.labelled === 'string' ? { good: join(v.labelled, 'good'), defect: join(v.labelled, 'defect') } : null;
    const count = async (d: string) => (await listImages(d)).length;
    const bar = progressBar(io, 'calibrate', (await count(goodDir)) + (lab ? (await count(lab.good)) + (await count(lab.defect)) : 0));
    const scored = await scoreFolder(goodDir, inspector, card.preprocess, { onProgress: bar.tick });
    const labelled = lab && { good: await scoreFolder(lab.good, inspector, card.preprocess, { onProgress: bar.tick }), defect: await scoreFolder(lab.defect, inspector, card.preprocess, { onProgress: bar.tick }) };
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
      labelled: labelled && labelledReport(labelled, threshold),
    };
    if (v.png) writeFileSync(String(v.png), await histogramPng({ good: scores, threshold, title: `${card.name}: ${scores.length} good images, ${report.rule}` }));
    if (report.warning) line(io.err, `warning: ${report.warning}`);
    if (v.json) line(io.out, JSON.stringify(report));
    else {
      line(io.out, `threshold ${report.threshold}  (${report.rule}; the card says ${report.card_threshold})`);
      line(io.out, `${report.n_good} good images: min ${report.stats.min}, 1% ${report.stats.p01}, median ${report.stats.p50}; ${report.would_reject} would be rejected`);
      const f = report.expected_false_reject_rate;
      line(io.out, `expected false-reject rate ${pct(f.rate)} of good parts (95 % interval ${pct(f.ci95[0])} – ${pct(f.ci95[1])}, from these ${f.n} images)`);
      const l = report.labelled;
      if (l) {
        line(io.out, `on the ${l.false_reject.n + l.miss.n} labelled parts: false-reject rate ${pct(l.false_reject.rate)} (${l.false_reject.count} of ${l.false_reject.n} good parts rejected), miss rate ${pct(l.miss.rate)} (${l.miss.count} of ${l.miss.n} defects passed)${l.unreadable ? `; ${l.unreadable} unreadable, left out` : ''}`);
      }
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

/** The proposed threshold on labelled parts (unreadable images are left out: they say nothing about the threshold). */
function labelledReport(l: { good: Array<{ score: number | null }>; defect: Array<{ score: number | null }> }, threshold: number) {
  const ok = (xs: Array<{ score: number | null }>) => xs.flatMap((x) => (x.score === null ? [] : [x.score]));
  const r = labelledRates(ok(l.good), ok(l.defect), threshold);
  const unreadable = l.good.length + l.defect.length - r.false_reject.n - r.miss.n;
  const share = (s: typeof r.miss) => ({ ...s, rate: round(s.rate), ci95: [round(s.ci95[0]), round(s.ci95[1])] as [number, number] });
  return { false_reject: share(r.false_reject), miss: share(r.miss), unreadable };
}

function frr(scores: number[], threshold: number) {
  const f = falseRejectRate(scores, threshold);
  return { rate: round(f.rate), ci95: [round(f.ci95[0]), round(f.ci95[1])] as [number, number], rejected: f.rejected, n: f.n };
}
