import { describe, it, expect } from 'vitest';
import { SsimComputer, gaussianTaps, reflectIndex, defaultWin, ssim } from '../../src/score/ssim.js';
import { golden, maxAbsDiff } from './golden.js';

describe('SSIM building blocks', () => {
  it('uses 11 taps at sigma 1.5, normalised and symmetric like scipy', () => {
    expect(defaultWin(1.5)).toBe(11);
    expect(defaultWin(1)).toBe(9); // int(3.5 + 0.5) = 4 → 9 taps
    const t = gaussianTaps(1.5, 5);
    expect(t.length).toBe(11);
    expect(t.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    for (let i = 0; i < 5; i++) expect(t[i]).toBe(t[10 - i]);
    // scipy.ndimage._gaussian_kernel1d(1.5, 0, 5)[0] (normalised exp(-0.5 (5/1.5)^2))
    expect(t[0]).toBeCloseTo(0.0010283804, 9);
  });

  it.each([
    // p, n, expected: scipy 'reflect' = d c b a | a b c d | d c b a
    [-1, 4, 0], [-2, 4, 1], [-4, 4, 3], [-5, 4, 3], [4, 4, 3], [5, 4, 2], [7, 4, 0], [8, 4, 0], [0, 1, 0], [-3, 1, 0], [2, 4, 2],
  ])('reflectIndex(%i, %i) = %i', (p, n, want) => {
    expect(reflectIndex(p, n)).toBe(want);
  });

  it('refuses images smaller than the window and mismatched lengths', () => {
    expect(() => new SsimComputer(10, 20)).toThrow(/window 11 exceeds/);
    const c = new SsimComputer(16, 16);
    expect(() => c.compute(new Float32Array(255), new Float32Array(256))).toThrow(/expects/);
  });
});

describe('SSIM against skimage 0.19 (golden values)', () => {
  for (const g of golden.ssim) {
    it(`${g.name}: mean and every map value match to 1e-6`, () => {
      const comp = new SsimComputer(g.width, g.height, g.channels, { sigma: g.sigma });
      expect(comp.pad).toBe(g.pad);
      const res = comp.compute(Float64Array.from(g.x), Float64Array.from(g.y));
      expect(res.map.length).toBe(g.width * g.height);
      expect(Math.abs(res.mean - g.mean)).toBeLessThan(1e-9);
      // The map is float32: its rounding (≤ 6e-8 relative) is the only error left.
      expect(maxAbsDiff(res.map, g.map)).toBeLessThan(1e-6);
    });

    it(`${g.name}: float32 inputs (the daemon's path) stay within 1e-6`, () => {
      const res = new SsimComputer(g.width, g.height, g.channels, { sigma: g.sigma }).compute(Float32Array.from(g.x), Float32Array.from(g.y));
      expect(Math.abs(res.mean - g.mean)).toBeLessThan(1e-6);
      expect(maxAbsDiff(res.map, g.map)).toBeLessThan(1e-6);
    });
  }

  it('a computer reused across images gives the same result as a fresh one', () => {
    const a = golden.ssim[0];
    const b = golden.ssim.find((g) => g.width === a.width && g.height === a.height && g.channels === a.channels && g !== a);
    const comp = new SsimComputer(a.width, a.height, a.channels);
    const first = comp.compute(Float32Array.from(a.x), Float32Array.from(a.y)).map.slice();
    if (b) comp.compute(Float32Array.from(b.x), Float32Array.from(b.y));
    comp.compute(new Float32Array(a.x.length).fill(0.2), new Float32Array(a.x.length).fill(0.9));
    const again = comp.compute(Float32Array.from(a.x), Float32Array.from(a.y));
    expect(maxAbsDiff(again.map, first)).toBe(0);
  });

  it('is symmetric and 1 for identical images', () => {
    const g = golden.ssim.find((c) => c.name.startsWith('noise_rgb'))!;
    const x = Float32Array.from(g.x);
    const y = Float32Array.from(g.y);
    const xy = ssim(x, y, g.width, g.height, 3);
    const yx = ssim(y, x, g.width, g.height, 3);
    expect(Math.abs(xy.mean - yx.mean)).toBeLessThan(1e-12);
    expect(ssim(x, x, g.width, g.height, 3).mean).toBeCloseTo(1, 12);
  });
});
