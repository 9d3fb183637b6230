import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { writeEvalReport } from './evalReport.js';
import { type CliIo, UsageError, type Values, line, req } from './io.js';
import { progressBar } from './progress.js';
import { scoreFolder, type ScoredImage } from './scoreFolder.js';
import { openInspector } from '../model/index.js';
import { auroc, confusion, f1OptimalThreshold } from '../score/index.js';
import { listImages } from '../platform/index.js';

/**
 * `inspectd eval`: scores a good and a defect folder with a model through the daemon's own
 * preprocessing and scoring, and reports the contract's metrics (defect = positive class).
 * Frames that cannot be read are counted as errors and, as in the field, as rejects.
 */
export async function evalCmd(v: Values, _pos: string[], io: CliIo): Promise<number> {
  const model = req(v.model, '--model');
  const goodDir = req(v.good, '--good');
  const defectDir = req(v.defect, '--defect');
  const exclude = v.exclude ? readExcludeList(String(v.exclude)) : undefined;
  const inspector = await openInspector(model, { workers: Number(v.workers ?? 2) });
  try {
    const card = inspector.card;
    const threshold = v.threshold !== undefined ? Number(v.threshold) : card.thresholds.good_only.value;
    if (!Number.isFinite(threshold)) throw new UsageError(`--threshold must be a number, got ${v.threshold}`);
    const total = (await listImages(goodDir)).length + (await listImages(defectDir)).length;
    const bar = progressBar(io, 'eval', total);
    const opts = { exclude, onProgress: bar.tick };
    const good = await scoreFolder(goodDir, inspector, card.preprocess, opts);
    const defect = await scoreFolder(defectDir, inspector, card.preprocess, opts);
    bar.stop();
    // An unreadable image is decided as the daemon would: an error, which rejects.
    const s = (xs: ScoredImage[]) => xs.map((x) => x.score ?? Number.NEGATIVE_INFINITY);
    const c = confusion(s(good), s(defect), threshold);
    const best = f1OptimalThreshold(s(good), s(defect));
    const report = {
      model, auroc: round(auroc(s(good), s(defect))),
      accuracy: round(c.accuracy), precision: round(c.precision), recall: round(c.recall), f1: round(c.f1),
      threshold, threshold_rule: v.threshold !== undefined ? 'command line' : card.thresholds.good_only.rule,
      n_good: good.length, n_defect: defect.length, tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn,
      errors: [...good, ...defect].filter((x) => x.score === null).length,
      excluded: exclude?.size ?? 0,
      f1_optimal_on_this_set: { threshold: round(best.threshold), accuracy: round(best.accuracy), f1: round(best.f1) },
      score_rule: card.score,
    };
    if (v['scores-out']) writeFileSync(String(v['scores-out']), JSON.stringify({ good, defect }, null, 1));
    if (typeof v.report === 'string' && v.report) {
      const files = await writeEvalReport({ dir: v.report, inspector, good, defect, threshold, confusion: c, auroc: report.auroc, title: `${card.name} ${card.variant} on ${basename(goodDir)} / ${basename(defectDir)}` });
      (report as Record<string, unknown>).report = files[0];
      if (!v.json) line(io.err, `report: ${files[0]}`);
    }
    if (v.json) line(io.out, JSON.stringify(report));
    else line(io.out, formatReport(report));
    return 0;
  } finally {
    await inspector.close();
  }
}

/** A list of base names, one per line; '#' comments and blank lines ignored. */
export function readExcludeList(file: string): Set<string> {
  return new Set(readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

function formatReport(r: Record<string, unknown>): string {
  const pct = (x: unknown) => `${(Number(x) * 100).toFixed(1)} %`;
  return [
    `model      ${r.model}`,
    `images     ${r.n_good} good, ${r.n_defect} defect${r.excluded ? ` (${r.excluded} excluded)` : ''}, ${r.errors} unreadable`,
    `threshold  ${r.threshold} (${r.threshold_rule})`,
    `AUROC      ${r.auroc}`,
    `accuracy   ${pct(r.accuracy)}   precision ${pct(r.precision)}   recall ${pct(r.recall)}   F1 ${pct(r.f1)}`,
    `confusion  tp ${r.tp}  fp ${r.fp}  tn ${r.tn}  fn ${r.fn}   (defect = positive)`,
  ].join('\n');
}
