import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { errorMessage } from '../platform/index.js';
import { PANEL_GAP } from '../store/index.js';
import type { LabelRecord } from '../store/index.js';
import { isWithin } from '../web/index.js';
import { type CliIo, UsageError, line, type Values, req } from './io.js';

/**
 * `inspectd export-dataset`: the parts people labelled in the review queue, as image folders
 * `OUT/good/` and `OUT/defect/` that `inspectd eval --good OUT/good --defect OUT/defect` and
 * `inspectd train --data OUT/good --defects OUT/defect` read as they are, plus `OUT/labels.csv`
 * (who said what, when, and what the station had decided). Each part's current label is used.
 *
 * A saved image is the frame the model saw beside its heatmap; only the left panel (the plain
 * frame: ROI-cropped, resized to the model's input, nearest-neighbour upscaled) is exported, as
 * PNG so no second JPEG loss is added. Grey frames are written grey.
 */

export interface ExportReport {
  out: string;
  good: number;
  defect: number;
  /** Labelled parts whose image was never saved or is gone (retention, quota). */
  missing_image: number;
  /** Images that could not be read or are not the daemon's side-by-side evidence images. */
  unreadable: number;
  since: number | null;
}

/** `--since`: ms since 1970, or a date/time Date.parse reads (2024-05-01 is UTC midnight; 2024-05-01T06:00 local time). */
export function parseSince(v: string): number {
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new UsageError(`--since must be a date such as 2024-05-01 or 2024-05-01T06:00, or ms since 1970 (got '${v.slice(0, 40)}')`);
  return t;
}

/** The plain-frame panel of a side-by-side evidence JPEG, as PNG (grey when its channels agree). */
export async function framePanel(file: string): Promise<Buffer> {
  const { data, info } = await sharp(file, { failOn: 'error' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const w = (info.width - PANEL_GAP) / 2;
  if (!Number.isInteger(w) || w < 1 || info.channels !== 3) throw new Error(`not a side-by-side evidence image (${info.width}×${info.height}, ${info.channels} channels)`);
  const h = info.height;
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) data.copy(rgb, y * w * 3, y * info.width * 3, (y * info.width + w) * 3);
  // A grey frame went through an RGB JPEG: its channels differ only by rounding.
  let grey = true;
  for (let i = 0; i < rgb.length && grey; i += 3) grey = Math.abs(rgb[i] - rgb[i + 1]) <= 2 && Math.abs(rgb[i + 1] - rgb[i + 2]) <= 2;
  if (!grey) return sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  const g = Buffer.alloc(w * h);
  for (let i = 0; i < g.length; i++) g[i] = rgb[i * 3 + 1];
  return sharp(g, { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

function currentLabels(database: string, since: number): LabelRecord[] {
  if (!existsSync(database)) throw new Error(`database ${database} does not exist`);
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'labels'").get();
    if (!has) throw new Error(`database ${database} has no labels table (schema version ${db.pragma('user_version', { simple: true })}): start this version of the daemon on it once, then label parts on the Review page`);
    return db.prepare('SELECT * FROM labels WHERE superseded_ts IS NULL AND ts >= ? ORDER BY id').all(since) as LabelRecord[];
  } finally {
    db.close();
  }
}

const csv = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export async function exportDataset(o: { database: string; images: string; out: string; since?: number }): Promise<ExportReport> {
  if (existsSync(o.out) && (!statSync(o.out).isDirectory() || readdirSync(o.out).length > 0)) {
    throw new UsageError(`--out ${o.out} already exists and is not an empty folder: refusing to overwrite it (give a new folder)`);
  }
  const labels = currentLabels(o.database, o.since ?? 0);
  const report: ExportReport = { out: o.out, good: 0, defect: 0, missing_image: 0, unreadable: 0, since: o.since ?? null };
  if (labels.length === 0) return report;
  for (const d of ['good', 'defect']) mkdirSync(join(o.out, d), { recursive: true });
  const manifest = ['file,label,who,labelled_at,station,seq,part_ts,verdict,score,threshold,image'];
  const root = resolve(o.images);
  for (const l of labels) {
    const src = l.image_path ? resolve(root, l.image_path) : null;
    if (!src || !isWithin(root, src) || !existsSync(src)) {
      report.missing_image++;
      continue;
    }
    let png: Buffer;
    try {
      png = await framePanel(src);
    } catch (err) {
      report.unreadable++;
      manifest.push(['', l.label, l.who, new Date(l.ts).toISOString(), l.station, l.seq, l.part_ts, l.verdict, l.score, l.threshold, `${l.image_path} (unreadable: ${errorMessage(err)})`].map(csv).join(','));
      continue;
    }
    const rel = `${l.label}/${l.station}-${l.seq}-${l.part_ts}.png`;
    writeFileSync(join(o.out, rel), png, { flag: 'wx' });
    report[l.label]++;
    manifest.push([rel, l.label, l.who, new Date(l.ts).toISOString(), l.station, l.seq, l.part_ts, l.verdict, l.score, l.threshold, l.image_path].map(csv).join(','));
  }
  writeFileSync(join(o.out, 'labels.csv'), manifest.join('\n') + '\n', { flag: 'wx' });
  return report;
}

export async function exportDatasetCmd(v: Values, _pos: string[], io: CliIo): Promise<number> {
  const database = req(v.db, '--db');
  const images = req(v.images, '--images');
  const out = req(v.out, '--out');
  const since = typeof v.since === 'string' ? parseSince(v.since) : undefined;
  const r = await exportDataset({ database, images, out, since });
  const n = r.good + r.defect;
  if (v.json) line(io.out, JSON.stringify(r));
  else {
    line(io.out, `exported ${r.good} good part${r.good === 1 ? '' : 's'} to ${join(out, 'good')} and ${r.defect} defect${r.defect === 1 ? '' : 's'} to ${join(out, 'defect')} (list: ${join(out, 'labels.csv')})`);
    if (r.missing_image) line(io.out, `skipped ${r.missing_image} labelled part${r.missing_image === 1 ? '' : 's'} whose image is missing (never saved, or removed by retention or the images quota)`);
    if (r.unreadable) line(io.out, `skipped ${r.unreadable} unreadable image${r.unreadable === 1 ? '' : 's'} (named in labels.csv)`);
    if (n > 0) line(io.out, `check a model on them:  inspectd eval --model M.onnx --good ${join(out, 'good')} --defect ${join(out, 'defect')}`);
  }
  if (n === 0) line(io.err, `inspectd export-dataset: no labelled part with an image${since !== undefined ? ' labelled since then' : ''}: nothing exported`);
  return n > 0 ? 0 : 1;
}
