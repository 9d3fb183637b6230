import sharp from 'sharp';
import { histogram } from '../score/index.js';

/**
 * A score histogram (good vs defect) with the threshold line, as PNG. Drawn as SVG and
 * rasterised by sharp (librsvg is inside its prebuilt libvips), so no plotting stack is needed.
 */
export async function histogramPng(opts: { good: number[]; defect?: number[]; threshold: number; title: string; bins?: number }): Promise<Buffer> {
  const W = 720, H = 360, L = 50, R = 20, T = 40, B = 40;
  const all = [...opts.good, ...(opts.defect ?? []), opts.threshold].filter(Number.isFinite);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (hi - lo < 1e-6) { lo -= 0.01; hi += 0.01; }
  const pad = (hi - lo) * 0.03;
  const range: [number, number] = [lo - pad, hi + pad];
  const bins = opts.bins ?? 60;
  const hg = histogram(opts.good.filter(Number.isFinite), bins, range);
  const hd = opts.defect ? histogram(opts.defect.filter(Number.isFinite), bins, range) : null;
  const maxCount = Math.max(1, ...hg.counts, ...(hd?.counts ?? []));
  const x = (v: number) => L + ((v - range[0]) / (range[1] - range[0])) * (W - L - R);
  const y = (c: number) => H - B - (c / maxCount) * (H - T - B);
  const bw = (W - L - R) / bins;
  const bars = (counts: ArrayLike<number>, fill: string) =>
    Array.from(counts, (c, i) => (c ? `<rect x="${(L + i * bw).toFixed(1)}" y="${y(c).toFixed(1)}" width="${(bw - 0.5).toFixed(1)}" height="${(H - B - y(c)).toFixed(1)}" fill="${fill}"/>` : '')).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = range[0] + f * (range[1] - range[0]);
    return `<text x="${x(v)}" y="${H - B + 16}" font-size="11" text-anchor="middle" font-family="sans-serif">${v.toFixed(3)}</text>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
<rect width="100%" height="100%" fill="white"/>
<text x="${L}" y="22" font-size="14" font-family="sans-serif">${escapeXml(opts.title)}</text>
${bars(hg.counts, 'rgba(40,120,200,0.6)')}${hd ? bars(hd.counts, 'rgba(220,60,40,0.55)') : ''}
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>
<line x1="${x(opts.threshold)}" y1="${T - 5}" x2="${x(opts.threshold)}" y2="${H - B}" stroke="black" stroke-dasharray="5,3" stroke-width="2"/>
<text x="${x(opts.threshold) + 4}" y="${T + 5}" font-size="11" font-family="sans-serif">threshold ${opts.threshold.toFixed(4)}</text>
<text x="${W - R - 150}" y="22" font-size="11" font-family="sans-serif" fill="rgb(40,120,200)">good (${opts.good.length})</text>
${hd ? `<text x="${W - R - 70}" y="22" font-size="11" font-family="sans-serif" fill="rgb(220,60,40)">defect (${opts.defect!.length})</text>` : ''}
${ticks}
</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
