import { existsSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxTopics } from '../../src/publish/topics.js';
import { rejectImagePath } from '../../src/store/images.js';
import { openStore } from '../../src/store/sqlite.js';
import type { RejectImageInput, Store, StoreOptions } from '../../src/store/types.js';
import { waitFor } from '../helpers/mosquitto.js';
import { noiseFrame, recordingLog, result, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let stores: Store[] = [];
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
  await cleanup();
});

async function open(over: Partial<StoreOptions> = {}) {
  const log = recordingLog();
  const store = await openStore({
    database: join(dir, 'db', 'inspectd.db'),
    imagesDir: join(dir, 'images'),
    retentionDays: 0,
    imagesQuotaMb: 10,
    flushMs: 60_000,
    log,
    ...over,
  });
  stores.push(store);
  return { store, log };
}

const TS = Date.UTC(2025, 4, 6, 7, 8, 9);

/** 128×128 gray frame (value 90) and an SSIM map that is 1 except a low (0) square top-left. */
function rejectFrame(seq: number, ts = TS): RejectImageInput {
  const w = 128;
  const map = new Float32Array(w * w).fill(1);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) map[y * w + x] = 0;
  return { pixels: new Uint8Array(w * w).fill(90), width: w, height: w, channels: 1, map, seq, ts, verdict: 'reject' };
}

async function rgbAt(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i], data[i + 1], data[i + 2]];
}

describe('reject images', () => {
  it('saveRejectImage writes frame | heatmap JPEG under YYYY-MM-DD/<seq>-<ts>.jpg, upscaled ×2', async () => {
    const { store } = await open();
    const rel = await store.saveRejectImage(rejectFrame(42));
    expect(rel).toBe(`2025-05-06/42-${TS}.jpg`);
    expect(rel).toBe(rejectImagePath(42, TS));
    const file = join(dir, 'images', rel!);
    const meta = await sharp(file).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([128 * 2 * 2 + 4, 256]);
    // Left panel: the plain gray frame everywhere (JPEG tolerance).
    for (const [x, y] of [[10, 10], [200, 200]]) {
      const [r, g, b] = await rgbAt(file, x, y);
      expect(Math.abs(r - 90) + Math.abs(g - 90) + Math.abs(b - 90)).toBeLessThan(12);
    }
    // Right panel: red where SSIM is 0 (top-left 32 px × 2), the frame where SSIM is 1.
    const right = 256 + 4;
    const hot = await rgbAt(file, right + 20, 20);
    expect(hot[0]).toBeGreaterThan(200);
    expect(hot[1]).toBeLessThan(50);
    const cold = await rgbAt(file, right + 200, 200);
    expect(Math.abs(cold[0] - 90) + Math.abs(cold[1] - 90)).toBeLessThan(12);
    expect(store.stats()).toMatchObject({ images_saved: 1, image_errors: 0 });
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });

  it('record(result, image): the row and its MQTT payload carry the saved path', async () => {
    const { store } = await open({ topicsFor: outboxTopics('p') });
    store.record(result(1));
    store.record(result(2, { verdict: 'reject', ts: TS }), rejectFrame(2));
    store.record(result(3));
    // The reject's row waits for its JPEG (bounded) so rows stay in record order.
    await waitFor(() => store.stats().images_saved === 1, 'image saved');
    store.flush();
    const rows = store.recent(10).reverse();
    expect(rows.map((r) => [r.seq, r.image_path])).toEqual([
      [1, null],
      [2, `2025-05-06/2-${TS}.jpg`],
      [3, null],
    ]);
    const alert = store.outboxPending(10).find((m) => m.topic === 'p/st1/alert')!;
    expect(JSON.parse(alert.payload).image_path).toBe(`2025-05-06/2-${TS}.jpg`);
    expect(alert.payload.length).toBeLessThan(1000); // a link, never image bytes
  });

  it('drain() waits for the JPEG and commits every queued row (shutdown, before MQTT drains the outbox)', async () => {
    const { store } = await open({ topicsFor: outboxTopics('p') });
    store.record(result(1, { verdict: 'reject', ts: TS }), rejectFrame(1, TS));
    store.record(result(2));
    store.flush(); // the reject's JPEG is not written yet: flush() leaves both rows queued, in order
    expect(store.stats().written).toBe(0);
    await store.drain();
    expect(store.stats()).toMatchObject({ written: 2, queued: 0 });
    expect(store.recent(2).reverse().map((r) => [r.seq, r.image_path])).toEqual([
      [1, `2025-05-06/1-${TS}.jpg`],
      [2, null],
    ]);
    expect(store.outboxPendingCount()).toBe(3);
  });

  it('a row whose image is late is written without the path, then patched when the JPEG lands', async () => {
    const { store } = await open({ imageWaitMs: 0 });
    store.record(result(5, { verdict: 'reject', ts: TS }), rejectFrame(5, TS));
    store.flush(); // the JPEG is still being encoded: the row does not wait (imageWaitMs 0)
    expect(store.recent(1).map((r) => [r.seq, r.image_path])).toEqual([[5, null]]);
    await waitFor(() => store.stats().images_saved === 1, 'image saved');
    await waitFor(() => store.recent(1)[0].image_path !== null, 'path patched');
    expect(store.recent(1)[0].image_path).toBe(`2025-05-06/5-${TS}.jpg`);
  });

  it('imagesQuotaMb: the oldest images are deleted and their rows lose the path', async () => {
    // Noise JPEGs 128×128 ×2 side by side are ~100–200 KB each; quota fits about two.
    const sizes: number[] = [];
    {
      const probe = await open({ imagesDir: join(dir, 'probe') });
      for (let i = 0; i < 3; i++) {
        const rel = await probe.store.saveRejectImage({ ...rejectFrame(i), pixels: noiseFrame(128, 128, i + 1), channels: 3, map: null });
        sizes.push((await stat(join(dir, 'probe', rel!))).size);
      }
    }
    const quotaBytes = Math.max(...sizes) * 2.5;
    const { store, log } = await open({ imagesQuotaMb: quotaBytes / (1024 * 1024) });
    for (let i = 1; i <= 6; i++) {
      store.record(result(i, { verdict: 'reject', ts: TS + i }), { ...rejectFrame(i, TS + i), pixels: noiseFrame(128, 128, (i % 3) + 1), channels: 3, map: null });
      await waitFor(() => store.stats().images_saved === i, `image ${i}`);
    }
    await store.runMaintenance();
    store.flush();
    const files = (await readdir(join(dir, 'images', '2025-05-06'))).sort();
    let total = 0;
    for (const f of files) total += (await stat(join(dir, 'images', '2025-05-06', f))).size;
    expect(total).toBeLessThanOrEqual(quotaBytes);
    expect(store.stats().images_bytes).toBe(total);
    const kept = store.recent(10).filter((r) => r.image_path).map((r) => r.seq).sort();
    expect(kept.length).toBe(files.length);
    expect(kept.length).toBeGreaterThanOrEqual(2); // two of the largest fit in 2.5× the largest
    expect(kept).toEqual([6, 5, 4, 3, 2, 1].slice(0, kept.length).sort()); // the newest survive
    expect(files).toEqual(kept.map((s) => `${s}-${TS + s}.jpg`).sort());
    expect(store.stats().images_deleted).toBe(6 - kept.length);
    expect(store.counts().total).toBe(6); // rows are never deleted by the quota
    expect(log.entries.some((e) => /quota/.test(e.msg ?? ''))).toBe(true);
  });

  it('imagesQuotaMb 0 saves no images and still records rows', async () => {
    const { store } = await open({ imagesQuotaMb: 0 });
    store.record(result(1, { verdict: 'reject' }), rejectFrame(1));
    await store.close();
    expect(existsSync(join(dir, 'images'))).toBe(false);
    expect(store.stats()).toMatchObject({ written: 1, images_saved: 0 });
  });

  it('an unwritable images dir degrades: rows recorded, error counted, saving paused', async () => {
    // A regular file where the images dir should be: every mkdir/write fails, even as root.
    writeFileSync(join(dir, 'blocker'), 'x');
    let now = TS;
    const { store, log } = await open({ imagesDir: join(dir, 'blocker', 'images'), imageBackoffMs: 60_000, now: () => now });
    expect(() => store.record(result(1, { verdict: 'reject' }), rejectFrame(1))).not.toThrow();
    await waitFor(() => store.stats().image_errors === 1, 'image error counted');
    expect(store.stats().images_paused).toBe(true);
    store.record(result(2, { verdict: 'reject' }), rejectFrame(2)); // paused: not even tried
    store.record(result(3));
    await waitFor(() => store.stats().images_skipped === 1, 'skip counted');
    await expect(store.saveRejectImage(rejectFrame(9))).resolves.toBeNull();
    store.flush();
    expect(store.recent(10).map((r) => [r.seq, r.image_path])).toEqual([
      [3, null],
      [2, null],
      [1, null],
    ]);
    expect(log.codes()).toContain('STORE_IMAGE_WRITE');
    now += 61_000; // back-off over: tries again (and fails again, counted)
    await expect(store.saveRejectImage(rejectFrame(10))).resolves.toBeNull();
    expect(store.stats()).toMatchObject({ image_errors: 2, images_saved: 0, written: 3 });
  });

  it('a malformed frame (too few pixels) costs only its image, without pausing', async () => {
    const { store, log } = await open();
    await expect(store.saveRejectImage({ ...rejectFrame(1), pixels: new Uint8Array(10) })).resolves.toBeNull();
    expect(store.stats()).toMatchObject({ image_errors: 1, images_paused: false });
    expect(log.codes()).toContain('STORE_IMAGE_ENCODE');
    await expect(store.saveRejectImage(rejectFrame(2))).resolves.not.toBeNull();
  });
});
