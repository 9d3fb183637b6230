import { describe, it, expect } from 'vitest';
import { unitPlanes } from '../../src/model/planes.js';
import { toPlanarFloat } from '../../src/preprocess/sharp.js';

describe('unitPlanes', () => {
  it('undoes the preprocessing normalisation per channel: the worker scores u8/255', () => {
    const spec = { width: 4, height: 2, channels: 3 as const, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const px = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => (i * 37) % 256);
    const planes = unitPlanes(toPlanarFloat(px, spec), 8, 3, spec.mean, spec.std, new Float32Array(24));
    for (let c = 0; c < 3; c++) for (let i = 0; i < 8; i++) expect(Math.abs(planes[c * 8 + i] - px[i * 3 + c] / 255)).toBeLessThan(1e-6);
  });

  it('a single mean/std applies to every channel', () => {
    const out = unitPlanes(Float32Array.from([0, 1, -1, 2]), 2, 2, [0.5], [0.25], new Float32Array(4));
    expect(Array.from(out)).toEqual([0.5, 0.75, 0.25, 1]);
  });
});
