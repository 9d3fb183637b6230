import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { escapeXml, histogramPng } from './histogramPng.js';
import type { ScoredImage } from './scoreFolder.js';
import type { Inspector } from '../model/index.js';
import { preprocessImage } from '../preprocess/index.js';
import type { Confusion } from '../score/index.js';
import { sideBySide } from '../store/index.js';

/**
 * `inspectd eval --report DIR`: what a quality engineer looks at instead of numbers — ROC curve,
 * score histogram with the threshold, the confusion matrix, and the worst misses (defects that
 * passed, best-looking first) and false rejects (goods that were rejected, worst first), each
 * as frame | heatmap of the map the decision used. index.html ties them together.
 */
export interface ReportInput {
  dir: string;
  inspector: Inspector;
  good: ScoredImage[];
  defect: ScoredImage[];
  threshold: number;
  confusion: Confusion;
  auroc: number;
  title: string;
  /** Tiles per grid (default 12). */
  worst?: number;
}

export async function writeEvalReport(r: ReportInput): Promise<string[]> {
  mkdirSync(r.dir, { recursive: true });
  const num = (xs: ScoredImage[]) => xs.map((x) => x.score ?? Number.NEGATIVE_INFINITY);
  const g = num(r.good);
  const d = num(r.defect);
  writeFileSync(join(r.dir, 'roc.png'), await rocPng(g, d, r.threshold, r.auroc));
  writeFileSync(join(r.dir, 'histogram.png'), await histogramPng({ good: g.filter(Number.isFinite), defect: d.filter(Number.isFinite), threshold: r.threshold, title: `${r.title}: score (higher = more like a good part)` }));
  const n = r.worst ?? 12;
  // Misses: defects at or above the threshold, highest score first (the most convincing passes).
  const misses = r.defect.filter((x) => x.score !== null && x.score >= r.threshold).sort((a, b) => b.score! - a.score!).slice(0, n);
  // False rejects: goods below the threshold (unreadable ones too), lowest score first.
  const falseRejects = r.good.filter((x) => x.score === null || x.score < r.threshold).sort((a, b) => (a.score ?? -Infinity) - (b.score ?? -Infinity)).slice(0, n);
  writeFileSync(join(r.dir, 'misses.png'), await grid(misses, r.inspector));
  writeFileSync(join(r.dir, 'false_rejects.png'), await grid(falseRejects, r.inspector));
  writeFileSync(join(r.dir, 'index.html'), html(r, misses, falseRejects));
  return ['index.html', 'roc.png', 'histogram.png', 'misses.png', 'false_rejects.png'].map((f) => join(r.dir, f));
}

/** ROC points (false-reject rate of goods, recall of defects) over every distinct score. */
export function rocPoints(good: number[], defect: number[]): [number, number][] {
  const all = [...new Set([...good, ...defect])].sort((a, b) => a - b);
  const pts: [number, number][] = [[0, 0]];
  for (const t of [...all, Infinity]) {
    // Rejected when score < t: sweeping t upward rejects more of both.
    const fpr = good.filter((s) => s < t).length / Math.max(1, good.length);
    const tpr = defect.filter((s) => s < t).length / Math.max(1, defect.length);
    pts.push([fpr, tpr]);
  }
  return pts;
}

async function rocPng(good: number[], defect: number[], threshold: number, auc: number): Promise<Buffer> {
  const S = 360, M = 50;
  const x = (f: number) => M + f * (S - M - 15);
  const y = (t: number) => S - M - t * (S - M - 25);
  const pts = rocPoints(good, defect).map(([f, t]) => `${x(f).toFixed(1)},${y(t).toFixed(1)}`).join(' ');
  const fpr = good.filter((s) => s < threshold).length / Math.max(1, good.length);
  const tpr = defect.filter((s) => s < threshold).length / Math.max(1, defect.length);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((v) => `<text x="${x(v)}" y="${S - M + 16}" font-size="11" text-anchor="middle">${v}</text><text x="${M - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${S}" height="${S}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${M}" y="18" font-size="13">ROC — AUROC ${auc.toFixed(4)}</text>
<rect x="${M}" y="${y(1)}" width="${x(1) - M}" height="${y(0) - y(1)}" fill="none" stroke="#999"/>
<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#ccc" stroke-dasharray="4,3"/>
<polyline points="${pts}" fill="none" stroke="rgb(40,120,200)" stroke-width="2"/>
<circle cx="${x(fpr)}" cy="${y(tpr)}" r="5" fill="rgb(220,60,40)"/>
<text x="${x(fpr) + 8}" y="${y(tpr) + 14}" font-size="11">threshold: ${(100 * tpr).toFixed(1)} % caught, ${(100 * fpr).toFixed(1)} % goods rejected</text>
${ticks}
<text x="${(M + S) / 2}" y="${S - 12}" font-size="11" text-anchor="middle">good parts rejected (false-reject rate)</text>
<text x="14" y="${S / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${S / 2})">defects caught (recall)</text>
</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Frame | heatmap tiles, 3 per row, each captioned by file and score. */
async function grid(items: ScoredImage[], inspector: Inspector): Promise<Buffer> {
  const spec = inspector.card.preprocess;
  const tiles: { input: Buffer; top: number; left: number }[] = [];
  let tw = 0, th = 0;
  const cols = 3, caption = 18;
  const rendered: { png: Buffer; w: number; h: number; label: string }[] = [];
  for (const it of items) {
    let png: Buffer, w: number, h: number;
    try {
      const pre = await preprocessImage(await readFile(it.file), spec);
      const pixels = pre.pixels.slice();
      const out = await inspector.inspect(pre.tensor, { wantMap: true });
      const img = sideBySide({ pixels, width: spec.width, height: spec.height, channels: spec.channels, map: out.map });
      png = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toBuffer();
      w = img.width;
      h = img.height;
    } catch {
      w = spec.width * 2;
      h = spec.height;
      png = await sharp({ create: { width: w, height: h, channels: 3, background: '#553333' } }).png().toBuffer();
    }
    tw = Math.max(tw, w);
    th = Math.max(th, h);
    rendered.push({ png, w, h, label: `${basename(it.file)}  ${it.score === null ? `unreadable: ${it.error ?? ''}` : it.score.toFixed(4)}` });
  }
  if (!rendered.length) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="40"><rect width="100%" height="100%" fill="white"/><text x="10" y="25" font-size="14" font-family="sans-serif">none on this set</text></svg>`;
    return sharp(Buffer.from(svg)).png().toBuffer();
  }
  const rows = Math.ceil(rendered.length / cols);
  const W = cols * (tw + 8) + 8, H = rows * (th + caption + 8) + 8;
  rendered.forEach((t, i) => {
    const left = 8 + (i % cols) * (tw + 8);
    const top = 8 + Math.floor(i / cols) * (th + caption + 8);
    tiles.push({ input: t.png, top: top + caption, left });
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${tw}" height="${caption}"><text x="2" y="13" font-size="12" font-family="sans-serif">${escapeXml(t.label.slice(0, 70))}</text></svg>`;
    tiles.push({ input: Buffer.from(svg), top, left });
  });
  return sharp({ create: { width: W, height: H, channels: 3, background: '#ffffff' } }).composite(tiles).png().toBuffer();
}

function html(r: ReportInput, misses: ScoredImage[], falseRejects: ScoredImage[]): string {
  const c = r.confusion;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeXml(r.title)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .7em;text-align:right}img{max-width:100%}</style></head><body>
<h1>${escapeXml(r.title)}</h1>
<p>Threshold ${r.threshold.toFixed(4)} (a part scoring below it is rejected). AUROC ${r.auroc.toFixed(4)}; accuracy ${pct(c.accuracy)}, precision ${pct(c.precision)}, recall ${pct(c.recall)}, F1 ${pct(c.f1)}.</p>
<table><tr><th></th><th>rejected</th><th>passed</th></tr>
<tr><th>defect (${c.tp + c.fn})</th><td>${c.tp} caught</td><td>${c.fn} missed</td></tr>
<tr><th>good (${c.fp + c.tn})</th><td>${c.fp} false rejects</td><td>${c.tn} passed</td></tr></table>
<h2>ROC and scores</h2><img src="roc.png" alt="ROC curve"> <img src="histogram.png" alt="score histogram">
<h2>Worst misses (${misses.length} shown of ${c.fn})</h2><p>Defects that passed, the most convincing first. Left: the frame as the model saw it; right: the map the decision used.</p><img src="misses.png" alt="missed defects">
<h2>False rejects (${falseRejects.length} shown of ${c.fp})</h2><p>Good parts that were rejected, the lowest score first.</p><img src="false_rejects.png" alt="false rejects">
</body></html>
`;
}
