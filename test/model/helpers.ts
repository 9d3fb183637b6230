import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Fixture models written by test/fixtures/model/make_models.py. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/model/', import.meta.url));
export const GRAY = join(FIXTURES, 'tiny_gray.onnx');
export const RGB = join(FIXTURES, 'tiny_rgb.onnx');

export function readCardJson(model: string): Record<string, any> {
  return JSON.parse(readFileSync(model.replace(/\.onnx$/, '.card.json'), 'utf8'));
}

const tempDirs: string[] = [];

/** Remove the temp dirs made by modelWithCard (call from afterAll). */
export function removeTempModels(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Copy a fixture model into a fresh temp dir with its card changed by `edit`; returns the .onnx path. */
export function modelWithCard(model: string, edit: (card: Record<string, any>) => void, opts: { copyOnnx?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-model-'));
  tempDirs.push(dir);
  const onnx = join(dir, 'm.onnx');
  if (opts.copyOnnx !== false) copyFileSync(model, onnx);
  const card = readCardJson(model);
  edit(card);
  writeFileSync(join(dir, 'm.card.json'), JSON.stringify(card));
  return onnx;
}

/** Deterministic 8-bit HWC pixels (smooth pattern + hash noise). */
export function pixels(width: number, height: number, channels: number, seed = 1): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) for (let c = 0; c < channels; c++) {
    const noise = Math.abs(Math.sin((i * 131 + j * 17 + c * 7 + seed * 1000) * 12.9898)) * 60;
    out[(i * width + j) * channels + c] = Math.round(100 + 50 * Math.sin(j / 5 + seed) * Math.cos(i / 7 + c) + noise) & 255;
  }
  return out;
}
