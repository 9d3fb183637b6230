import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { InspectdError } from '../../src/platform/errors.js';
import { openInspector } from '../../src/model/client.js';
import { preprocessImage } from '../../src/preprocess/index.js';
import { modelWithCard, removeTempModels } from './helpers.js';

// inspectEncoded: the worker decodes, resizes and scores; the main thread only moves bytes.
const ROOT = resolve(__dirname, '../..');
const MODEL = join(ROOT, 'models/casting-int8.onnx');
const jpeg = (f: string) => readFileSync(join(ROOT, 'samples/casting', f));
afterAll(removeTempModels);

describe('inspectEncoded (preprocessing in the model worker)', () => {
  for (const kernel of ['lanczos3', 'area'] as const) {
    it(`${kernel} card: same score and the same pixels as preprocessing here and inspect()`, async () => {
      const model = kernel === 'lanczos3' ? MODEL : modelWithCard(MODEL, (c) => { c.preprocess.kernel = 'area'; });
      const insp = await openInspector(model, { workers: 1, warmup: 1 });
      try {
        for (const f of ['cast_def_0_1412.jpeg', 'cast_ok_0_1174.jpeg']) {
          const bytes = jpeg(f);
          const pre = await preprocessImage(bytes, insp.card.preprocess);
          const here = await insp.inspect({ ...pre.tensor, data: pre.tensor.data.slice() });
          const there = await insp.inspectEncoded(bytes, { wantMap: true });
          expect(there.score, f).toBe(here.score);
          expect(Buffer.from(there.frame!.pixels).equals(Buffer.from(pre.pixels)), f).toBe(true);
          expect(there.frame!.preprocessMs).toBeGreaterThan(0);
          expect(there.map?.length).toBe(128 * 128);
        }
        // The caller's buffer is not detached: the worker got a copy.
        const bytes = jpeg('cast_ok_0_1174.jpeg');
        await insp.inspectEncoded(bytes);
        expect(bytes.length).toBeGreaterThan(0);
      } finally {
        await insp.close();
      }
    });
  }

  it('an undecodable frame rejects with its FRAME_* code and the worker serves the next frame', async () => {
    const insp = await openInspector(MODEL, { workers: 1, warmup: 1 });
    try {
      for (const [bytes, code] of [[Buffer.alloc(0), 'FRAME_EMPTY'], [Buffer.from('definitely not an image'), 'FRAME_DECODE'], [jpeg('cast_ok_0_1174.jpeg').subarray(0, 400), 'FRAME_DECODE']] as const) {
        const err = await insp.inspectEncoded(bytes).then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(InspectdError);
        expect((err as InspectdError).code).toBe(code);
      }
      const ok = await insp.inspectEncoded(jpeg('cast_ok_0_1174.jpeg'));
      expect(Number.isFinite(ok.score)).toBe(true);
      expect(insp.stats().restarts).toBe(0);
    } finally {
      await insp.close();
    }
  });

  it('transfer: an owned buffer moves without a copy (detached here), a pooled or sliced one is copied; the results are the same', async () => {
    const insp = await openInspector(MODEL, { workers: 1, warmup: 1 });
    try {
      const file = jpeg('cast_def_0_1412.jpeg');
      const want = await insp.inspectEncoded(file);
      const owned = new Uint8Array(file); // the whole of its own ArrayBuffer, as readFile and the MJPEG splitter give
      const moved = await insp.inspectEncoded(owned, { transfer: true });
      expect(owned.length).toBe(0);
      expect(moved.score).toBe(want.score);
      // A view into a larger buffer (a capture chunk): detaching it would take the neighbours too.
      const chunk = Buffer.concat([Buffer.alloc(7, 1), file, Buffer.alloc(5, 2)]);
      const view = chunk.subarray(7, 7 + file.length);
      const copied = await insp.inspectEncoded(view, { transfer: true });
      expect(copied.score).toBe(want.score);
      expect(view.length).toBe(file.length);
      expect(chunk.equals(Buffer.concat([Buffer.alloc(7, 1), file, Buffer.alloc(5, 2)]))).toBe(true);
      // Without transfer the caller keeps its bytes.
      const kept = new Uint8Array(file);
      await insp.inspectEncoded(kept);
      expect(kept.length).toBe(file.length);
    } finally {
      await insp.close();
    }
  });

  it('camera.roi is applied in the worker: the pixels of preprocessing here with the ROI; one that does not fit is FRAME_ROI', async () => {
    const model = modelWithCard(MODEL, (c) => { c.preprocess.kernel = 'area'; });
    const insp = await openInspector(model, { workers: 1, warmup: 1 });
    try {
      const bytes = jpeg('cast_ok_0_1174.jpeg');
      const roi = { left: 40, top: 20, width: 200, height: 250 };
      const pre = await preprocessImage(bytes, { ...insp.card.preprocess, roi });
      const there = await insp.inspectEncoded(bytes, { roi });
      expect(Buffer.from(there.frame!.pixels).equals(Buffer.from(pre.pixels))).toBe(true);
      expect([there.frame!.sourceWidth, there.frame!.sourceHeight]).toEqual([300, 300]);
      const err = await insp.inspectEncoded(bytes, { roi: { ...roi, left: 200 } }).then(() => null, (e: unknown) => e);
      expect((err as InspectdError).code).toBe('FRAME_ROI');
    } finally {
      await insp.close();
    }
  });

  it('area path: the reused decode buffer of the worker leaves no trace: a large frame, a corrupt one, then small ones give the pixels of a fresh decode', async () => {
    const model = modelWithCard(MODEL, (c) => { c.preprocess.kernel = 'area'; });
    const insp = await openInspector(model, { workers: 1, warmup: 1 });
    try {
      const small = jpeg('cast_def_0_1412.jpeg');
      const large = await sharp(small).resize(900, 700).jpeg({ quality: 90 }).toBuffer();
      const corrupt = Buffer.concat([large.subarray(0, 2000), Buffer.alloc(3000, 0x55)]);
      for (const bytes of [large, corrupt, small, jpeg('cast_ok_0_1174.jpeg'), large]) {
        const pre = await preprocessImage(bytes, insp.card.preprocess).catch((e: InspectdError) => e);
        const there = await insp.inspectEncoded(bytes).catch((e: InspectdError) => e);
        if (pre instanceof InspectdError) {
          expect((there as InspectdError).code).toBe(pre.code);
          expect((there as InspectdError).message).toBe(pre.message);
        } else {
          expect(Buffer.from((there as { frame: { pixels: Uint8Array } }).frame.pixels).equals(Buffer.from(pre.pixels))).toBe(true);
        }
      }
    } finally {
      await insp.close();
    }
  });
});
