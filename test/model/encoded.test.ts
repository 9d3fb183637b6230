import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
});
