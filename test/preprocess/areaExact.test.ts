import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import turbo from '@julusian/jpeg-turbo';
import { resizeArea } from '../../src/preprocess/area.js';
import { resizeAreaReference } from '../fixtures/preprocess/areaReference.js';

// The shipped 'area' models were trained on resizeArea's pixels: the faster version must give
// the same bytes, not merely close ones, for every size a station or prep-dataset can meet.

/** xorshift32 bytes: noise exercises every weight, flat 255 the sums nearest the clamp. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 255;
  }
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `byte ${i}: ${a[i]} vs ${b[i]}`;
  return 'none';
}

describe('resizeArea gives the reference implementation\'s bytes', () => {
  const cases: Array<[string, number, number, number, number, number]> = [
    // name, sw, sh, channels, dw, dh
    ['casting 300² → 128²', 300, 300, 1, 128, 128],
    ['cracks 227² → 160²', 227, 227, 1, 160, 160],
    ['300² → 256² (factor < 2)', 300, 300, 1, 256, 256],
    ['VGA → 160²', 640, 480, 1, 160, 160],
    ['720p → 192²', 1280, 720, 1, 192, 192],
    ['1080p → 160²', 1920, 1080, 1, 160, 160],
    ['1080p RGB → 128²', 1920, 1080, 3, 128, 128],
    ['12 MP → 256²', 4056, 3040, 1, 256, 256],
    ['odd 301×299 RGB → 97×131', 301, 299, 3, 97, 131],
    ['upscale 100×90 → 160²', 100, 90, 1, 160, 160],
    ['mixed 50×400 → 160×40', 50, 400, 1, 160, 40],
    ['integer factor 512² → 128²', 512, 512, 1, 128, 128],
  ];
  for (const [name, sw, sh, ch, dw, dh] of cases) {
    it(name, () => {
      for (const [i, src] of [noise(sw * sh * ch, sw * 7 + dh), new Uint8Array(sw * sh * ch).fill(255)].entries()) {
        const got = resizeArea(src, sw, sh, ch, dw, dh);
        const want = resizeAreaReference(src, sw, sh, ch, dw, dh);
        expect(firstDifference(got, want), `${name} ${i ? 'flat 255' : 'noise'}`).toBe('none');
      }
    });
  }

  it('a sweep of random sizes, grey and RGB', () => {
    const sizes = noise(400, 99);
    for (let i = 0; i < 100; i++) {
      const sw = 1 + sizes[4 * i] * 2, sh = 1 + sizes[4 * i + 1];
      const dw = 1 + (sizes[4 * i + 2] % 200), dh = 1 + (sizes[4 * i + 3] % 200);
      const ch = i % 3 === 0 ? 3 : 1;
      const src = noise(sw * sh * ch, i + 1);
      expect(firstDifference(resizeArea(src, sw, sh, ch, dw, dh), resizeAreaReference(src, sw, sh, ch, dw, dh)), `${sw}×${sh}×${ch} → ${dw}×${dh}`).toBe('none');
    }
  });

  it('the sample JPEGs decoded as the area path decodes them', () => {
    const dir = resolve(__dirname, '../../samples/casting');
    for (const f of readdirSync(dir)) {
      const d = turbo.decompressSync(readFileSync(join(dir, f)), { format: turbo.FORMAT_GRAY });
      for (const [dw, dh] of [[128, 128], [160, 160], [256, 256]]) {
        expect(firstDifference(resizeArea(d.data, d.width, d.height, 1, dw, dh), resizeAreaReference(d.data, d.width, d.height, 1, dw, dh)), f).toBe('none');
      }
    }
  });
});
