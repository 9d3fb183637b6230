import sharp from 'sharp';
import { sideBySide } from '../store/index.js';
import type { LatestFrame } from './types.js';

/**
 * The latest frame as a JPEG: the preprocessed pixels beside the same pixels with the SSIM
 * heatmap (the store's pure helpers, so the live view and saved evidence look the same).
 * Rendered lazily when a browser asks and at most every `minIntervalMs` — never per frame:
 * a fast line with three dashboards open still costs at most a few encodes a second.
 */

export interface RenderedFrame {
  jpeg: Buffer;
  seq: number;
  ts: number;
  verdict: string;
  score: number | null;
  threshold: number;
  heatmap: boolean;
}

export class FrameRenderer {
  private cached: RenderedFrame | null = null;
  private renderedAt = -Infinity;
  private inflight: Promise<RenderedFrame | null> | null = null;
  /** Encodes done (for tests and the curious). */
  renders = 0;

  constructor(
    private readonly latest: () => LatestFrame | null,
    private readonly minIntervalMs = 250,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The newest rendering allowed by the rate limit; null before the first frame. */
  async get(): Promise<RenderedFrame | null> {
    const f = this.latest();
    if (!f) return this.cached;
    if (this.cached && (this.cached.seq === f.result.seq || this.now() - this.renderedAt < this.minIntervalMs)) return this.cached;
    this.inflight ??= this.render(f).finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async render(f: LatestFrame): Promise<RenderedFrame | null> {
    this.renderedAt = this.now();
    // A map of another size (a model returning the valid-window map) is ignored rather than guessed.
    const map = f.map && f.map.length === f.width * f.height ? f.map : null;
    const img = sideBySide({ pixels: f.pixels, width: f.width, height: f.height, channels: f.channels, map });
    const jpeg = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer();
    this.renders++;
    const r = f.result;
    this.cached = { jpeg, seq: r.seq, ts: r.ts, verdict: r.verdict, score: r.score, threshold: r.threshold, heatmap: map !== null };
    return this.cached;
  }
}
