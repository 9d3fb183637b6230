import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { readFrameFile } from '../capture/index.js';
import { preprocessImage } from '../preprocess/index.js';
import type { PreprocessSpec } from '../preprocess/index.js';
import { listImages, mapLimit } from '../platform/index.js';

/**
 * Writes a folder of images as one uint8 .npy array (N, H, W, C) through the daemon's own
 * sharp preprocessing, plus `<out>.names.txt`. Training reads this, so the pixels the model
 * learns from are bit-identical to what the daemon feeds it in the field.
 */
export async function prepDataset(opts: { dir: string; out: string; width: number; height: number; channels: 1 | 3; kernel?: PreprocessSpec['kernel']; limit?: number }): Promise<{ count: number; skipped: string[] }> {
  let files = await listImages(opts.dir);
  if (opts.limit) files = files.slice(0, opts.limit);
  const spec: PreprocessSpec = { width: opts.width, height: opts.height, channels: opts.channels, kernel: opts.kernel ?? 'lanczos3', mean: [0], std: [1] };
  const skipped: string[] = [];
  const results = await mapLimit(files, 4, async (f) => {
    try {
      return (await preprocessImage(await readFrameFile(f), spec)).pixels;
    } catch (err) {
      skipped.push(`${basename(f)}: ${(err as Error).message}`);
      return null;
    }
  });
  const kept = results.map((p, i) => [p, basename(files[i])] as const).filter(([p]) => p !== null) as [Uint8Array, string][];
  const item = opts.width * opts.height * opts.channels;
  const body = Buffer.alloc(kept.length * item);
  kept.forEach(([p], i) => body.set(p, i * item));
  await writeFile(opts.out, Buffer.concat([npyHeader([kept.length, opts.height, opts.width, opts.channels]), body]));
  await writeFile(`${opts.out}.names.txt`, kept.map(([, n]) => n).join('\n') + '\n');
  return { count: kept.length, skipped };
}

/** NPY v1.0 header for a C-ordered uint8 array (numpy.lib.format). */
export function npyHeader(shape: number[]): Buffer {
  let dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  dict = dict + ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(dict.length, 8);
  return Buffer.concat([head, Buffer.from(dict, 'latin1')]);
}
