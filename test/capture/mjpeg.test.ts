import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { MjpegSplitter } from '../../src/capture/mjpeg.js';

const b = (...xs: number[]) => Buffer.from(xs);
const seg = (marker: number, body: number[]) => b(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);

/** A structurally valid JPEG skeleton (not decodable, but every marker where a real one has it). */
function synthetic(tag: number, opts: { thumbnail?: boolean; progressive?: boolean; fill?: boolean } = {}): Buffer {
  const parts: Buffer[] = [b(0xff, 0xd8)];
  parts.push(seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, tag]));
  // EXIF APP1 carrying a thumbnail with its own SOI … EOI: a naive FFD8/FFD9 splitter cuts here.
  if (opts.thumbnail) parts.push(seg(0xe1, [0x45, 0x78, 0x69, 0x66, 0, 0, 0xff, 0xd8, 1, 2, 3, 0xff, 0xd9, 9]));
  parts.push(seg(0xdb, [0, ...Array.from({ length: 8 }, (_, i) => i + tag)]));
  if (opts.fill) parts.push(b(0xff, 0xff, 0xff)); // fill bytes before the next marker
  parts.push(seg(0xda, [1, 1, 0, 0, 63, 0]));
  // Scan data: stuffed FF 00, a restart marker, more data.
  parts.push(b(0x12, tag, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0x00, 0xff, 0xd7, 0x78));
  if (opts.progressive) {
    parts.push(seg(0xc4, [0x10, 1, 2])); // DHT between scans
    parts.push(seg(0xda, [1, 1, 0, 1, 63, 0]));
    parts.push(b(0x9a, 0xff, 0x00, tag));
  }
  parts.push(b(0xff, 0xd9));
  return Buffer.concat(parts);
}

function feed(split: MjpegSplitter, stream: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, stream.length]) {
    out.push(...split.push(stream.subarray(prev, c)));
    prev = c;
  }
  return out;
}

describe('MjpegSplitter', () => {
  const frames = [synthetic(1, { thumbnail: true }), synthetic(2, { progressive: true, fill: true }), synthetic(3)];
  const stream = Buffer.concat([b(0x00, 0xff, 0x13), frames[0], b(0x00, 0x00), frames[1], frames[2]]);

  it.each([
    ['one chunk', [] as number[]],
    ['byte by byte', Array.from({ length: stream.length - 1 }, (_, i) => i + 1)],
    ['odd chunks of 7', Array.from({ length: Math.floor(stream.length / 7) }, (_, i) => (i + 1) * 7)],
  ])('splits a stream fed %s, whatever the thumbnails, fill bytes, stuffing and restarts', (_name, cuts) => {
    const split = new MjpegSplitter();
    expect(feed(split, stream, cuts)).toEqual(frames);
    expect(split.corrupt).toBe(0);
  });

  it('gives the same frames for a single cut at every position (markers split anywhere)', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(feed(new MjpegSplitter(), stream, [cut]), `cut at ${cut}`).toEqual(frames);
    }
  });

  it('drops a frame truncated by a new SOI (producer restarted mid-frame) and counts it', () => {
    const f = synthetic(4);
    const truncated = f.subarray(0, f.length - 6);
    const split = new MjpegSplitter();
    expect(split.push(Buffer.concat([truncated, synthetic(5)]))).toEqual([synthetic(5)]);
    expect(split.corrupt).toBe(1);
  });

  it('reset() forgets a partial frame', () => {
    const split = new MjpegSplitter();
    split.push(synthetic(6).subarray(0, 20));
    split.reset();
    expect(split.push(synthetic(7))).toEqual([synthetic(7)]);
    expect(split.corrupt).toBe(1);
  });

  it('abandons a frame larger than maxFrameBytes and resynchronises on the next one', () => {
    const big = Buffer.concat([b(0xff, 0xd8), seg(0xda, [1, 1, 0, 0, 63, 0]), Buffer.alloc(5000, 0x11), b(0xff, 0xd9)]);
    const split = new MjpegSplitter({ maxFrameBytes: 1000 });
    expect(split.push(Buffer.concat([big, synthetic(8)]))).toEqual([synthetic(8)]);
    expect(split.corrupt).toBe(1);
  });

  it('drops a frame whose header is not made of markers', () => {
    const split = new MjpegSplitter();
    expect(split.push(Buffer.concat([b(0xff, 0xd8, 0x00, 0x01), synthetic(9)]))).toEqual([synthetic(9)]);
    expect(split.corrupt).toBe(1);
  });

  describe('on real JPEGs', () => {
    const real: Buffer[] = [];
    beforeAll(async () => {
      for (const [i, progressive] of [false, true, false].entries()) {
        real.push(
          await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 40 * i, g: 120, b: 200 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
            .jpeg({ quality: 80, progressive })
            .withMetadata()
            .toBuffer(),
        );
      }
    });

    it('returns frames byte-identical to what went in, each decodable', async () => {
      const s = Buffer.concat(real);
      const cuts = Array.from({ length: Math.floor(s.length / 13) }, (_, i) => (i + 1) * 13);
      const got = feed(new MjpegSplitter(), s, cuts);
      expect(got).toEqual(real);
      for (const f of got) expect((await sharp(f).metadata()).width).toBe(96);
    });
  });
});
