import { describe, expect, it } from 'vitest';
import { PANEL_GAP, heatAlpha, overlayHeat, sideBySide, toRgb, upscaleFactor } from '../../src/store/heatmap.js';

describe('heatAlpha', () => {
  it.each([
    [1, 0],
    [1.2, 0], // SSIM cannot exceed 1, but a rounding overshoot must not go negative
    [0.75, 0.25],
    [0.5, 0.5],
    [0, 1],
    [-0.4, 1], // SSIM can be negative: clipped
    [Number.NaN, 1],
  ])('ssim %f → alpha %f', (ssim, alpha) => {
    expect(heatAlpha(ssim)).toBeCloseTo(alpha, 12);
  });
});

describe('upscaleFactor', () => {
  it.each([
    [128, 128, 2],
    [64, 64, 4],
    [32, 16, 4], // capped at ×4
    [256, 128, 1],
    [640, 480, 1], // never shrinks
    [100, 128, 2],
    [0, 0, 1],
  ])('%i×%i → ×%i', (w, h, f) => {
    expect(upscaleFactor(w, h)).toBe(f);
  });
});

describe('toRgb', () => {
  it('replicates gray into three channels', () => {
    expect([...toRgb(new Uint8Array([7, 200]), 2, 1, 1)]).toEqual([7, 7, 7, 200, 200, 200]);
  });
  it('passes RGB through', () => {
    const px = new Uint8Array([1, 2, 3, 4, 5, 6]);
    expect([...toRgb(px, 2, 1, 3)]).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('refuses a buffer too small for its size', () => {
    expect(() => toRgb(new Uint8Array(3), 2, 2, 1)).toThrow(RangeError);
  });
});

describe('overlayHeat', () => {
  it('blends red by 1 − ssim per pixel', () => {
    const rgb = new Uint8Array([100, 100, 100, 100, 100, 100, 100, 100, 100]);
    const out = overlayHeat(rgb, 3, 1, new Float32Array([1, 0.5, -1]));
    expect([...out]).toEqual([
      100, 100, 100, // ssim 1: untouched
      178, 50, 50, // 0.5: half way to pure red (100*0.5 + 255*0.5 = 177.5 → 178)
      255, 0, 0, // ≤ 0: pure red
    ]);
  });

  it('samples a smaller map nearest-neighbour', () => {
    const rgb = new Uint8Array(4 * 1 * 3).fill(0);
    // 2-wide map over a 4-wide frame: left half ssim 1, right half ssim 0
    const out = overlayHeat(rgb, 4, 1, new Float32Array([1, 0]), 2, 1);
    expect([out[0], out[3], out[6], out[9]]).toEqual([0, 0, 255, 255]);
  });

  it('refuses a map smaller than its stated size', () => {
    expect(() => overlayHeat(new Uint8Array(12), 2, 2, new Float32Array(3))).toThrow(RangeError);
  });
});

describe('sideBySide', () => {
  it('puts frame | gap | heat frame, upscaled ×2 for 128 px', () => {
    const w = 128;
    const h = 128;
    const pixels = new Uint8Array(w * h).fill(90);
    const map = new Float32Array(w * h).fill(1);
    map[0] = 0; // top-left pixel fully different
    const img = sideBySide({ pixels, width: w, height: h, channels: 1, map });
    expect(img.width).toBe(w * 2 * 2 + PANEL_GAP);
    expect(img.height).toBe(h * 2);
    const px = (x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];
    expect(px(0, 0)).toEqual([90, 90, 90]); // left panel: plain frame
    expect(px(1, 1)).toEqual([90, 90, 90]);
    const right = w * 2 + PANEL_GAP;
    expect(px(right, 0)).toEqual([255, 0, 0]); // the hot pixel, repeated 2×2
    expect(px(right + 1, 1)).toEqual([255, 0, 0]);
    expect(px(right + 2, 0)).toEqual([90, 90, 90]); // its neighbour is cold
    expect(px(w * 2, 0)).toEqual([48, 48, 48]); // gap
  });

  it('without a map both panels show the frame', () => {
    const pixels = new Uint8Array([10, 20, 30]);
    const img = sideBySide({ pixels, width: 1, height: 1, channels: 3 });
    expect(img.width).toBe(4 * 2 + PANEL_GAP);
    expect([...img.data.subarray(0, 3)]).toEqual([10, 20, 30]);
    expect([...img.data.subarray((4 + PANEL_GAP) * 3, (4 + PANEL_GAP) * 3 + 3)]).toEqual([10, 20, 30]);
  });
});
