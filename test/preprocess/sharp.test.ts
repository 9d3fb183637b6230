import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { preprocessImage, toPlanarFloat } from '../../src/preprocess/sharp.js';
import type { PreprocessSpec } from '../../src/preprocess/types.js';

const gray8: PreprocessSpec = { width: 8, height: 8, channels: 1, kernel: 'nearest', mean: [0], std: [1] };

/** 40×20 RGB: left half black, right half white. */
async function halves(orientation?: number): Promise<Buffer> {
  const px = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 20; x < 40; x++) px.fill(255, (y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
  let img = sharp(px, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 100 });
  if (orientation) img = img.withMetadata({ orientation });
  return img.toBuffer();
}

const mean = (a: ArrayLike<number>, from: number, to: number) => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s / (to - from);
};

describe('preprocess (sharp)', () => {
  it('grayscale, resize to the card size, scale to [0,1] planar', async () => {
    const p = await preprocessImage(await halves(), gray8);
    expect(p.tensor.data.length).toBe(64);
    expect(p.pixels.length).toBe(64);
    // Left columns dark, right columns bright.
    expect(p.tensor.data[0]).toBeLessThan(0.1);
    expect(p.tensor.data[7]).toBeGreaterThan(0.9);
    expect(p.tensor.data[7]).toBeCloseTo(p.pixels[7] / 255, 6);
  });

  it('applies the EXIF orientation (as training did): orientation 6 turns left/right into top/bottom', async () => {
    const p = await preprocessImage(await halves(6), gray8);
    expect(mean(p.tensor.data, 0, 24)).toBeLessThan(0.1); // top rows: was the left half
    expect(mean(p.tensor.data, 40, 64)).toBeGreaterThan(0.9);
  });

  it('RGB models get 3 planes; mean/std normalisation per channel', async () => {
    const spec: PreprocessSpec = { ...gray8, channels: 3, mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 1] };
    const p = await preprocessImage(await halves(), spec);
    expect(p.tensor.data.length).toBe(3 * 64);
    expect(p.pixels.length).toBe(3 * 64);
    const white = 7; // top-right pixel in each plane
    expect(p.tensor.data[white]).toBeCloseTo((p.pixels[white * 3] / 255 - 0.5) / 0.5, 5);
    expect(p.tensor.data[64 + white]).toBeCloseTo((p.pixels[white * 3 + 1] / 255 - 0.5) / 0.25, 5);
  });

  it('crops the ROI before resizing, and refuses one that does not fit the frame', async () => {
    const right = await preprocessImage(await halves(), { ...gray8, roi: { left: 20, top: 0, width: 20, height: 20 } });
    expect(mean(right.tensor.data, 0, 64)).toBeGreaterThan(0.9);
    await expect(preprocessImage(await halves(), { ...gray8, roi: { left: 30, top: 0, width: 20, height: 20 } })).rejects.toMatchObject({ code: 'FRAME_ROI' });
  });

  it.each([
    ['empty', Buffer.alloc(0), 'FRAME_EMPTY'],
    ['not an image', Buffer.from('definitely not a jpeg'), 'FRAME_DECODE'],
  ])('%s → %s', async (_n, buf, code) => {
    await expect(preprocessImage(buf, gray8)).rejects.toMatchObject({ code });
  });

  it('a truncated JPEG is refused rather than decoded half-grey', async () => {
    const full = await halves();
    await expect(preprocessImage(full.subarray(0, full.length >> 1), gray8)).rejects.toMatchObject({ code: 'FRAME_DECODE' });
  });

  it('toPlanarFloat de-interleaves HWC into CHW', () => {
    const px = Uint8Array.from([0, 255, 51, 102, 0, 255]); // 2 pixels × 3 channels
    const out = toPlanarFloat(px, { width: 2, height: 1, channels: 3, mean: [0], std: [1] });
    expect(Array.from(out).map((v) => Math.round(v * 255))).toEqual([0, 102, 255, 0, 51, 255]);
  });
});
