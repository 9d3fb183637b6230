import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const IMAGE_EXT = /\.(jpe?g|png|webp|tiff?|bmp|gif|avif)$/i;

/** Image files directly inside `dir`, sorted by name (stable order for replay, eval and training). */
export async function listImages(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => IMAGE_EXT.test(n)).sort().map((n) => join(dir, n));
}

/** Run `fn` over `items` with at most `limit` in flight, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}
