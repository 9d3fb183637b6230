import { basename } from 'node:path';
import { readFrameFile } from '../capture/index.js';
import { preprocessImage } from '../preprocess/index.js';
import type { PreprocessSpec } from '../preprocess/index.js';
import type { InspectorPort } from '../model/index.js';
import { errorMessage } from '../platform/index.js';
import { listImages, mapLimit } from '../platform/index.js';

export interface ScoredImage {
  file: string;
  score: number | null;
  error?: string;
}

/**
 * Scores every image of a folder through the daemon's own preprocessing and inspector, so eval
 * and calibrate measure exactly what `run` would decide, read as replay reads them (regular files
 * up to the frame cap: a FIFO or /dev/zero in the folder is an error, not a hang). Unreadable
 * images are reported, not fatal; `exclude` drops files by base name (e.g. the casting split's leaked duplicates).
 */
export async function scoreFolder(dir: string, inspector: InspectorPort, spec: PreprocessSpec, opts: { exclude?: Set<string>; concurrency?: number; onProgress?: () => void } = {}): Promise<ScoredImage[]> {
  const files = (await listImages(dir)).filter((f) => !opts.exclude?.has(basename(f)));
  return mapLimit(files, opts.concurrency ?? 4, async (file) => {
    try {
      const bytes = await readFrameFile(file);
      // The workers decode (the card's own spec, as in `run`); an ROI is applied here.
      const out = inspector.inspectEncoded && !spec.roi
        ? await inspector.inspectEncoded(bytes, { wantMap: false })
        : await inspector.inspect((await preprocessImage(bytes, spec)).tensor, { wantMap: false });
      return { file, score: out.score };
    } catch (err) {
      return { file, score: null, error: errorMessage(err) };
    } finally {
      opts.onProgress?.();
    }
  });
}
