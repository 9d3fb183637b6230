/**
 * `inspectd export-dataset`: labelled parts of a real store become good/ and defect/ folders of
 * the plain frames (the left panel of the evidence image) that `inspectd eval` reads as they are;
 * rows whose image is missing are skipped and counted; an existing folder is never written over.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exitCodes.js';
import { MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite.js';
import { recordingLog, result } from '../store/fixtures.js';
import { cli } from './io.js';

const ROOT = resolve(__dirname, '../..');
const MODEL = join(ROOT, 'test/fixtures/model/tiny_gray.onnx'); // 32×24 grey input
const tmp = mkdtempSync(join(tmpdir(), 'inspectd-export-'));
const database = join(tmp, 'inspectd.db');
const images = join(tmp, 'images');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (args: string[]) => cli(args, tmp);

/** A 32×24 grey frame: a left-to-right ramp offset by `v`, so every part's pixels differ. */
const ramp = (v: number) => Uint8Array.from({ length: 32 * 24 }, (_, i) => (v + (i % 32) * 4) & 0xff);
let labelledAt: number[] = [];

beforeAll(async () => {
  let clock = 1_800_000_000_000;
  const store = await openStore({ database, imagesDir: images, retentionDays: 0, imagesQuotaMb: 10, log: recordingLog(), now: () => clock });
  for (let seq = 1; seq <= 7; seq++) {
    const r = result(seq, { verdict: 'reject', score: 0.4 });
    // #7 is a reject whose image was never saved (saving off or paused).
    if (seq === 7) store.record(r);
    // #1's heatmap panel is all red (SSIM 0 everywhere): only the left panel is the frame.
    else store.record(r, { pixels: ramp(seq * 20), width: 32, height: 24, channels: 1, map: seq === 1 ? new Float32Array(32 * 24) : null, seq, ts: r.ts, verdict: 'reject' });
  }
  await store.drain();
  const set = (seq: number, label: 'good' | 'defect') => {
    clock += 60_000;
    labelledAt.push(clock);
    const r = store.labels.set({ station: 'st1', seq, ts: result(seq).ts, label, who: seq === 1 ? 'Dana, night shift' : 'anna' });
    if (!r.ok) throw new Error(`part ${seq} not found`);
    return r.label;
  };
  set(1, 'good');
  set(2, 'defect'); // relabelled below: exported as good
  set(3, 'good');
  set(4, 'defect');
  set(5, 'defect');
  const six = set(6, 'good');
  set(7, 'defect');
  set(2, 'good');
  await store.close();
  // #6's image is gone (the images quota or retention removed it after it was labelled).
  unlinkSync(join(images, six.image_path!));
});

describe('inspectd export-dataset', () => {
  const out = join(tmp, 'ds');

  it('writes the labelled frames into good/ and defect/, skips the two without an image, and says so', async () => {
    const r = await run(['export-dataset', '--db', database, '--images', images, '--out', out]);
    expect(r.code, r.err).toBe(EXIT.OK);
    expect(r.out).toContain(`exported 3 good parts to ${join(out, 'good')} and 2 defects to ${join(out, 'defect')}`);
    expect(r.out).toContain('skipped 2 labelled parts whose image is missing');
    expect(readdirSync(join(out, 'good')).sort()).toEqual(['st1-1-1700000000033.png', 'st1-2-1700000000066.png', 'st1-3-1700000000099.png']);
    expect(readdirSync(join(out, 'defect')).sort()).toEqual(['st1-4-1700000000132.png', 'st1-5-1700000000165.png']);
    const csv = readFileSync(join(out, 'labels.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('file,label,who,labelled_at,station,seq,part_ts,verdict,score,threshold,image');
    expect(csv).toHaveLength(6);
    expect(csv).toContainEqual(expect.stringMatching(/^good\/st1-1-1700000000033\.png,good,"Dana, night shift",\d{4}-\d\d-\d\dT[\d:.]+Z,st1,1,1700000000033,reject,0\.4,0\.8,\d{4}-\d\d-\d\d\/1-1700000000033\.jpg$/));
  });

  it('each file is the plain frame the model saw (left panel, upscaled ×4, grey), not the heatmap composite', async () => {
    const file = join(out, 'good', 'st1-1-1700000000033.png');
    const meta = await sharp(file).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 128, 96, 1]);
    const data = await sharp(file).toColourspace('b-w').raw().toBuffer();
    const want = ramp(20);
    let worst = 0;
    for (let y = 0; y < 24; y++) for (let x = 0; x < 32; x++) worst = Math.max(worst, Math.abs(data[(y * 4 + 2) * 128 + x * 4 + 2] - want[y * 32 + x]));
    expect(worst).toBeLessThan(12); // JPEG q85 of the saved evidence, nothing more
  });

  it('inspectd eval takes the exported folders as they are', async () => {
    const r = await run(['eval', '--model', MODEL, '--good', join(out, 'good'), '--defect', join(out, 'defect'), '--json', '--workers', '1']);
    expect(r.code, r.err).toBe(EXIT.OK);
    const rep = JSON.parse(r.out);
    expect(rep).toMatchObject({ n_good: 3, n_defect: 2, errors: 0 });
  });

  it('refuses to write into an existing, non-empty folder (exit 2) and leaves it as it was', async () => {
    const before = readFileSync(join(out, 'labels.csv'), 'utf8');
    const r = await run(['export-dataset', '--db', database, '--images', images, '--out', out]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(/--out .*ds already exists and is not an empty folder: refusing to overwrite it/);
    expect(readFileSync(join(out, 'labels.csv'), 'utf8')).toBe(before);
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    expect((await run(['export-dataset', '--db', database, '--images', images, '--out', file])).code).toBe(EXIT.USAGE);
    // An empty folder is fine.
    mkdirSync(join(tmp, 'empty'));
    expect((await run(['export-dataset', '--db', database, '--images', images, '--out', join(tmp, 'empty'), '--json'])).code).toBe(EXIT.OK);
  });

  it('--since keeps the parts labelled since then; --json reports the counts', async () => {
    const r = await run(['export-dataset', '--db', database, '--images', images, '--out', join(tmp, 'since'), '--since', String(labelledAt[4]), '--json']);
    expect(r.code, r.err).toBe(EXIT.OK);
    // Labelled at or after the 5th label: #5 defect, #6 (image gone), #7 (no image), #2's relabel as good.
    expect(JSON.parse(r.out)).toEqual({ out: join(tmp, 'since'), good: 1, defect: 1, missing_image: 2, unreadable: 0, since: labelledAt[4] });
    expect((await run(['export-dataset', '--db', database, '--images', images, '--out', join(tmp, 'x'), '--since', 'last tuesday'])).err).toMatch(/--since must be a date such as 2024-05-01/);
  });

  it('nothing labelled since then: exit 1, no folder; a database without a labels table or none at all: exit 1 naming it', async () => {
    const none = await run(['export-dataset', '--db', database, '--images', images, '--out', join(tmp, 'none'), '--since', '2100-01-01']);
    expect(none.code).toBe(EXIT.FAILURE);
    expect(none.err).toMatch(/no labelled part with an image labelled since then: nothing exported/);
    expect(existsSync(join(tmp, 'none'))).toBe(false);
    const oldDb = join(tmp, 'v4.db');
    const db = new Database(oldDb);
    migrate(db, MIGRATIONS.slice(0, 4));
    db.close();
    const old = await run(['export-dataset', '--db', oldDb, '--images', images, '--out', join(tmp, 'o')]);
    expect(old.code).toBe(EXIT.FAILURE);
    expect(old.err).toMatch(/has no labels table \(schema version 4\)/);
    const missing = await run(['export-dataset', '--db', join(tmp, 'nope.db'), '--images', images, '--out', join(tmp, 'o')]);
    expect(missing.code).toBe(EXIT.FAILURE);
    expect(missing.err).toMatch(/database .*nope\.db does not exist/);
  });
});
