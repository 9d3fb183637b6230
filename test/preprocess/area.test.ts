import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { crop, orient, resizeArea, toChannels } from '../../src/preprocess/area.js';
import { readJpegHeader } from '../../src/preprocess/jpegHeader.js';
import { preprocessImage } from '../../src/preprocess/index.js';
import { InspectdError } from '../../src/platform/errors.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/preprocess/area_golden.json', import.meta.url), 'utf8')) as {
  cases: { name: string; sw: number; sh: number; channels: number; dw: number; dh: number; src: number[]; ref: number[] }[];
};

describe('resizeArea against OpenCV INTER_AREA (golden values)', () => {
  for (const g of golden.cases) {
    // Exactly-half means round up here and to even in OpenCV: a few pixels differ by one level.
    it(`${g.name}: every pixel within 1 level, at least 97 % identical`, () => {
      const out = resizeArea(Uint8Array.from(g.src), g.sw, g.sh, g.channels, g.dw, g.dh);
      let worst = 0;
      let same = 0;
      for (let i = 0; i < out.length; i++) {
        const d = Math.abs(out[i] - g.ref[i]);
        worst = Math.max(worst, d);
        if (d === 0) same++;
      }
      expect(out.length).toBe(g.ref.length);
      expect(worst).toBeLessThanOrEqual(1);
      expect(same / out.length).toBeGreaterThanOrEqual(0.97);
    });
  }

  it('an integer factor is the exact box mean; same size is a copy', () => {
    const src = Uint8Array.from([0, 2, 10, 20, 4, 6, 30, 40]); // 4×2 grey
    expect([...resizeArea(src, 4, 2, 1, 2, 1)]).toEqual([3, 25]);
    expect([...resizeArea(src, 4, 2, 1, 4, 2)]).toEqual([...src]);
  });

  it('refuses a buffer smaller than its stated size', () => {
    expect(() => resizeArea(new Uint8Array(10), 4, 4, 1, 2, 2)).toThrow(RangeError);
  });
});

describe('orient, crop, toChannels', () => {
  // 3×2 image, pixel value = its index: stored rows [0 1 2] [3 4 5].
  const img = { data: Uint8Array.from([0, 1, 2, 3, 4, 5]), width: 3, height: 2, channels: 1 };
  it.each([
    [1, 3, 2, [0, 1, 2, 3, 4, 5]],
    [2, 3, 2, [2, 1, 0, 5, 4, 3]],
    [3, 3, 2, [5, 4, 3, 2, 1, 0]],
    [4, 3, 2, [3, 4, 5, 0, 1, 2]],
    [5, 2, 3, [0, 3, 1, 4, 2, 5]],
    [6, 2, 3, [3, 0, 4, 1, 5, 2]],
    [7, 2, 3, [5, 2, 4, 1, 3, 0]],
    [8, 2, 3, [2, 5, 1, 4, 0, 3]],
  ])('EXIF orientation %i → %i×%i %j', (o, w, h, want) => {
    const r = orient(img, o);
    expect([r.width, r.height, [...r.data]]).toEqual([w, h, want]);
  });

  it('orientations 1..8 agree with sharp autoOrient on real JPEGs', async () => {
    const w = 24, h = 16;
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < w * h; i++) { raw[i * 3] = (i % w) * 10; raw[i * 3 + 1] = Math.floor(i / w) * 15; raw[i * 3 + 2] = 128; }
    for (let o = 1; o <= 8; o++) {
      const jpg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: o }).toBuffer();
      expect(readJpegHeader(jpg)!.orientation).toBe(o);
      const ref = await sharp(jpg).autoOrient().raw().toBuffer({ resolveWithObject: true });
      const ours = await preprocessImage(jpg, { width: ref.info.width, height: ref.info.height, channels: 3, kernel: 'area', mean: [0], std: [1] });
      const mad = (a: Uint8Array | Buffer, b: Uint8Array | Buffer) => {
        let sum = 0;
        for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
        return sum / a.length;
      };
      // The two libjpeg-turbo builds round the IDCT differently (about 1-2 levels); a wrong
      // orientation of this ramp pattern is off by tens of levels.
      expect(mad(ours.pixels, ref.data), `orientation ${o}`).toBeLessThan(3);
      if (o >= 2 && o <= 4) {
        const upright = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).raw().toBuffer();
        expect(mad(ours.pixels, upright), `orientation ${o} must not be left as stored`).toBeGreaterThan(20);
      }
    }
  });

  it('crop takes the region; toChannels gives BT.601 luma and grey→RGB copies', () => {
    const c = crop({ data: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]), width: 3, height: 3, channels: 1 }, { left: 1, top: 1, width: 2, height: 2 });
    expect([...c.data]).toEqual([4, 5, 7, 8]);
    expect([...toChannels({ data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]), width: 4, height: 1, channels: 3 }, 1).data]).toEqual([76, 150, 29, 18]);
    expect([...toChannels({ data: Uint8Array.from([9, 200]), width: 1, height: 1, channels: 2 }, 3).data]).toEqual([9, 9, 9]);
  });
});

describe('readJpegHeader', () => {
  it('reads size and components, null for what is not a JPEG or has no frame header', async () => {
    const jpg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    expect(readJpegHeader(jpg)).toEqual({ width: 40, height: 30, components: 3, orientation: 1 });
    expect(readJpegHeader(Buffer.from('not a jpeg'))).toBeNull();
    expect(readJpegHeader(jpg.subarray(0, 20))).toBeNull();
  });
});

describe('preprocessImage, area path: bad input is a named FRAME_* error', () => {
  const spec = { width: 16, height: 16, channels: 1 as const, kernel: 'area' as const, mean: [0], std: [1] };
  const code = async (b: Buffer) => {
    try {
      await preprocessImage(b, spec);
    } catch (e) {
      expect(e).toBeInstanceOf(InspectdError);
      return (e as InspectdError).code;
    }
    return 'ok';
  };
  it('empty, truncated, garbage after SOI, oversized header, and the PNG path', async () => {
    const jpg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#406080' } }).jpeg().toBuffer();
    expect(await code(Buffer.alloc(0))).toBe('FRAME_EMPTY');
    expect(await code(jpg.subarray(0, jpg.length - 40))).toBe('FRAME_DECODE');
    expect(await code(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(200, 7)]))).toBe('FRAME_DECODE');
    // A header claiming 60000×60000 is refused before libjpeg-turbo allocates anything.
    const big = Buffer.from(jpg);
    const sof = big.indexOf(Buffer.from([0xff, 0xc0]));
    big.writeUInt16BE(60000, sof + 5);
    big.writeUInt16BE(60000, sof + 7);
    expect(await code(big)).toBe('FRAME_TOO_LARGE');
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#406080' } }).png().toBuffer();
    expect(await code(png)).toBe('ok');
    // Same flat colour through both decoders: the same grey.
    const a = await preprocessImage(png, spec);
    const b = await preprocessImage(await sharp(png).jpeg({ quality: 100 }).toBuffer(), spec);
    expect(Math.abs(a.pixels[100] - b.pixels[100])).toBeLessThanOrEqual(1);
  });
});
