import { afterAll, describe, it, expect } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { shortenPaths } from '../../src/model/card.js';
import { InspectdError } from '../../src/platform/errors.js';
import { loadModel, sessionProblems, cardProblems } from '../../src/model/load.js';
import { GRAY, RGB, modelWithCard, readCardJson, removeTempModels } from './helpers.js';

afterAll(removeTempModels);

/** Shipped before training wrote dataset names: its rules name /work/shared/... paths. */
const OLD_CARD_MODEL = fileURLToPath(new URL('../../models/casting-ae-int8.onnx', import.meta.url));

async function loadError(path: string): Promise<InspectdError> {
  try {
    await loadModel(path);
  } catch (err) {
    expect(err).toBeInstanceOf(InspectdError);
    return err as InspectdError;
  }
  throw new Error(`loadModel(${path}) succeeded`);
}

describe('loadModel', () => {
  it('loads both fixture models: card valid, sha256 matches, session agrees with the card', async () => {
    const gray = await loadModel(GRAY);
    expect(gray.card.name).toBe('tiny_gray');
    expect(gray.card.input.shape).toEqual([1, 1, 24, 32]);
    expect(gray.sha256).toBe(readCardJson(GRAY).onnx_sha256);
    const rgb = await loadModel(RGB);
    expect(rgb.card.preprocess.channels).toBe(3);
  });

  it('a missing .onnx is MODEL_NOT_FOUND naming the file', async () => {
    const path = modelWithCard(GRAY, () => {}, { copyOnnx: false });
    const err = await loadError(path);
    expect(err.code).toBe('MODEL_NOT_FOUND');
    expect(err.message).toContain(path);
  });

  it('a missing card is MODEL_CARD_MISSING', async () => {
    const path = modelWithCard(GRAY, () => {});
    rmSync(path.replace(/\.onnx$/, '.card.json'));
    const err = await loadError(path);
    expect(err.code).toBe('MODEL_CARD_MISSING');
    expect(err.message).toContain('m.card.json');
  });

  it('a card for another export is MODEL_SHA256_MISMATCH', async () => {
    const path = modelWithCard(GRAY, (c) => { c.onnx_sha256 = readCardJson(RGB).onnx_sha256; });
    const err = await loadError(path);
    expect(err.code).toBe('MODEL_SHA256_MISMATCH');
    expect(err.message).toContain('onnx_sha256');
    expect(err.context.actual).toBe(readCardJson(GRAY).onnx_sha256);
  });

  it('lists every schema problem with its key path, not just the first', async () => {
    const path = modelWithCard(GRAY, (c) => {
      delete c.name;
      delete c.ssim;
      c.preprocess.channels = 2;
      c.preprocess.std = [0.25, -1];
      c.score.rule = 'ssim_median';
    });
    const err = await loadError(path);
    expect(err.code).toBe('MODEL_CARD_INVALID');
    const paths = (err.context.problems as { path: string }[]).map((p) => p.path).sort();
    expect(paths).toEqual(['name', 'preprocess.channels', 'preprocess.std.1', 'score.rule', 'ssim'].sort());
    for (const p of paths) expect(err.message).toContain(`${p}:`);
    expect(err.message).toContain('m.card.json');
  });

  it('refuses a card that contradicts itself (shape vs preprocess, per-channel arrays, rule parameters)', async () => {
    const path = modelWithCard(GRAY, (c) => {
      c.input.shape = [1, 1, 32, 32];
      c.preprocess.mean = [0.5, 0.5];
      c.score = { rule: 'ssim_pool_min', polarity: 'higher_is_good' };
    });
    const err = await loadError(path);
    expect(err.code).toBe('MODEL_CARD_INVALID');
    expect((err.context.problems as { path: string }[]).map((p) => p.path)).toEqual(['input.shape', 'preprocess.mean', 'score']);
  });

  it('refuses a card whose (self-consistent) shape disagrees with the real model: MODEL_SHAPE_MISMATCH', async () => {
    const path = modelWithCard(GRAY, (c) => {
      c.input.shape = [1, 1, 32, 32];
      c.output.shape = [1, 1, 32, 32];
      c.preprocess.height = 32;
    });
    const err = await loadError(path);
    expect(err.code).toBe('MODEL_SHAPE_MISMATCH');
    expect((err.context.problems as { path: string }[]).map((p) => p.path)).toEqual(['input.shape', 'output.shape']);
    expect(err.message).toContain('[1, 1, 24, 32]');
    expect(err.message).toContain(path);
  });

  it('refuses wrong input/output names', async () => {
    const path = modelWithCard(GRAY, (c) => { c.input.name = 'image'; c.output.name = 'out'; });
    const err = await loadError(path);
    expect(err.code).toBe('MODEL_SHAPE_MISMATCH');
    expect(err.message).toMatch(/input\.name: "image" is not an input of the model \(it has "input"\)/);
    expect(err.message).toMatch(/output\.name: "out" is not an output/);
  });
});

describe('card and session checks (pure)', () => {
  const card = readCardJson(GRAY) as any;
  it('a consistent card has no problems', () => {
    expect(cardProblems(card)).toEqual([]);
  });
  it('symbolic dimensions pass the metadata check (a real run checks them)', () => {
    const io = (name: string) => [{ name, isTensor: true, type: 'float32', shape: ['N', 1, 24, 32] }];
    expect(sessionProblems(card, io('input'), io('recon'))).toEqual([]);
    const bad = [{ name: 'input', isTensor: true, type: 'uint8', shape: [1, 1, 24, 33] }];
    expect(sessionProblems(card, bad, io('recon')).map((p) => p.path)).toEqual(['input.name', 'input.shape']);
  });
});

describe('card threshold rules shown without the training machine\'s paths', () => {
  it('shortenPaths keeps the last 3 components of each absolute path, and leaves other text alone', () => {
    expect(shortenPaths('vs labelled defects /work/shared/datasets/casting/train/defect (3383)')).toBe('vs labelled defects casting/train/defect (3383)');
    expect(shortenPaths('median - 1.5*1.4826*MAD of 137 held-out good scores; a/b/c/d stays')).toBe('median - 1.5*1.4826*MAD of 137 held-out good scores; a/b/c/d stays');
    expect(shortenPaths('(/data/x) and --test=/srv/a/b/c/d')).toBe('(data/x) and --test=b/c/d');
  });

  it('an old shipped card (absolute dataset paths in its rules) loads with dataset names in both rules', async () => {
    // Cards written before training stopped recording paths quote the training machine's dataset
    // folder in their rules (the shipped ones were cleaned since): make one such card here.
    const abs = (r: string) => r.replace(/(\.\.\/shared\/datasets\/|\/work\/shared\/datasets\/)?casting\/train\/defect/, '/work/shared/datasets/casting/train/defect');
    const model = modelWithCard(OLD_CARD_MODEL, (c) => {
      c.thresholds.good_only.rule = abs(c.thresholds.good_only.rule);
      c.thresholds.f1_optimal.rule = abs(c.thresholds.f1_optimal.rule);
    });
    const raw = JSON.parse(readFileSync(model.replace(/\.onnx$/, '.card.json'), 'utf8'));
    expect(raw.thresholds.good_only.rule).toContain('/work/shared/datasets/casting/train/defect'); // the premise
    const { card } = await loadModel(model);
    for (const t of [card.thresholds.good_only, card.thresholds.f1_optimal!]) {
      expect(t.rule).toContain('labelled defects casting/train/defect (3383)');
      expect(t.rule).not.toMatch(/\/work\//);
    }
    expect(card.thresholds.good_only.value).toBe(raw.thresholds.good_only.value);
  });
});
