import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { evalCmd } from '../../src/cli/evalCmd.js';
import { rocPoints } from '../../src/cli/evalReport.js';

const ROOT = resolve(__dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'inspectd-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function io() {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  out.on('data', (b) => (text += b));
  err.resume();
  return { io: { out, err, interactive: false, env: {}, cwd: ROOT, pid: process.pid, signal: new AbortController().signal }, text: () => text };
}

describe('inspectd eval --report DIR', () => {
  it('writes ROC, histogram, misses, false rejects and an HTML page that agree with the JSON figures', async () => {
    const good = join(tmp, 'good');
    const defect = join(tmp, 'defect');
    mkdirSync(good);
    mkdirSync(defect);
    for (const f of readdirSync(join(ROOT, 'samples/casting'))) copyFileSync(join(ROOT, 'samples/casting', f), join(f.includes('_def_') ? defect : good, f));
    const report = join(tmp, 'report');
    // A threshold between the scores forces at least one miss and one false reject onto the grids.
    const { io: cli, text } = io();
    const rc = await evalCmd({ model: join(ROOT, 'models/casting-ae-int8.onnx'), good, defect, report, json: true, threshold: '0.80' }, [], cli);
    expect(rc).toBe(0);
    const r = JSON.parse(text());
    expect(r.report).toBe(join(report, 'index.html'));
    const html = readFileSync(join(report, 'index.html'), 'utf8');
    expect(html).toContain(`${r.tp} caught`);
    expect(html).toContain(`${r.fp} false rejects`);
    expect(html).toContain(`${r.fn} missed`);
    for (const f of ['roc.png', 'histogram.png', 'misses.png', 'false_rejects.png']) {
      const meta = await sharp(join(report, f)).metadata();
      expect(meta.format, f).toBe('png');
      expect(meta.width!, f).toBeGreaterThan(100);
    }
    // Grids hold one 3-wide row of frame|heatmap tiles per three images (or a "none" note).
    const shown = Math.min(12, r.fp);
    const fr = await sharp(join(report, 'false_rejects.png')).metadata();
    if (shown > 0) expect(fr.height!).toBeGreaterThan(200 * Math.ceil(shown / 3));
  });

  it('rocPoints: a perfect separation goes through (0, 1); ties move both rates together', () => {
    expect(rocPoints([0.9, 0.8], [0.1, 0.2])).toContainEqual([0, 1]);
    const pts = rocPoints([0.5], [0.5]);
    expect(pts).toContainEqual([1, 1]);
    expect(pts).not.toContainEqual([0, 1]);
  });
});
