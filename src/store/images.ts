import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../platform/index.js';
import { sideBySide } from './heatmap.js';
import type { RejectImageInput, SinkLog } from './types.js';

const DAY_MS = 86_400_000;
const DAY_DIR = /^\d{4}-\d{2}-\d{2}$/;
const FILE_NAME = /^(\d+)-(\d+)\.jpg$/;

/** UTC day folder: the same on every station regardless of its time zone. */
export function dayDir(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD/<seq>-<ts>.jpg`, relative to the images folder, forward slashes (stored in the DB and sent on MQTT). */
export function rejectImagePath(seq: number, ts: number): string {
  return `${dayDir(ts)}/${seq}-${Math.round(ts)}.jpg`;
}

interface Entry {
  ts: number;
  bytes: number;
}

export interface ImageArchiveOptions {
  dir: string;
  quotaBytes: number;
  backoffMs: number;
  now: () => number;
  log: SinkLog;
  /** Images removed by the quota: the store nulls their DB paths. */
  onEvicted: (relPaths: string[]) => void;
}

/**
 * The saved-images folder: writes evidence JPEGs, keeps the folder under its quota (oldest
 * first) and pauses itself after a write error (full disk, read-only mount) so the inspection
 * path never waits on a failing disk.
 */
export class ImageArchive {
  /** Insertion order ≈ capture order (scan sorts by ts, saves append), so the first entry is the oldest. */
  private readonly index = new Map<string, Entry>();
  private pausedUntil = 0;
  private enforcing = false;
  /** Images saved while a scan runs (the scan may have listed their folder before they existed). */
  private savedDuringScan: Array<[string, Entry]> | null = null;
  bytes = 0;
  saved = 0;
  errors = 0;
  skipped = 0;
  deleted = 0;

  constructor(private readonly opts: ImageArchiveOptions) {}

  get paused(): boolean {
    return this.opts.now() < this.pausedUntil;
  }

  /** Rebuild the index from disk (open, and after retention) so files left by a crash count too. */
  async scan(): Promise<void> {
    const found: Array<[string, Entry]> = [];
    this.savedDuringScan = [];
    let days: string[] = [];
    try {
      days = (await readdir(this.opts.dir)).filter((d) => DAY_DIR.test(d));
    } catch {
      // Missing folder: nothing saved yet; it is created on the first save.
    }
    for (const day of days) {
      let names: string[] = [];
      try {
        names = await readdir(join(this.opts.dir, day));
      } catch {
        continue;
      }
      for (const name of names) {
        const m = FILE_NAME.exec(name);
        if (!m) continue;
        try {
          const st = await stat(join(this.opts.dir, day, name));
          found.push([`${day}/${name}`, { ts: Number(m[2]), bytes: st.size }]);
        } catch {
          // Deleted meanwhile.
        }
      }
    }
    found.sort((a, b) => a[1].ts - b[1].ts);
    const late = this.savedDuringScan;
    this.savedDuringScan = null;
    this.index.clear();
    this.bytes = 0;
    for (const [rel, e] of [...found, ...late]) {
      const prev = this.index.get(rel);
      if (prev) this.bytes -= prev.bytes;
      this.index.set(rel, e);
      this.bytes += e.bytes;
    }
  }

  /** Write the side-by-side JPEG. Null when saving is off, paused, or failed. Never rejects. */
  async save(img: RejectImageInput): Promise<string | null> {
    if (this.opts.quotaBytes <= 0) return null;
    if (this.paused) {
      this.skipped++;
      return null;
    }
    let jpeg: Buffer;
    try {
      const composed = sideBySide(img);
      // libjpeg-turbo (the model workers' JPEG decoder), not sharp: the first reject would load
      // libvips into the daemon for this alone (≈25 MB of RSS, measured, issue 11). Same 4:2:0 JPEG at quality 85.
      jpeg = await encodeRgbJpeg(composed.data, composed.width, composed.height);
    } catch (err) {
      // Bad input (wrong pixel count, bad map), not a disk problem: count it, keep saving others.
      this.errors++;
      this.opts.log.warn({ code: 'STORE_IMAGE_ENCODE', seq: img.seq, err: errorMessage(err) }, 'reject image not encoded');
      return null;
    }
    const rel = rejectImagePath(img.seq, img.ts);
    const abs = join(this.opts.dir, rel);
    // Write then rename: a crash or full disk never leaves a half JPEG under the final name.
    const tmp = `${abs}.tmp`;
    try {
      await mkdir(join(this.opts.dir, dayDir(img.ts)), { recursive: true });
      await writeFile(tmp, jpeg);
      await rename(tmp, abs);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      this.errors++;
      this.pausedUntil = this.opts.now() + this.opts.backoffMs;
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      this.opts.log.warn(
        { code: 'STORE_IMAGE_WRITE', errno: code, dir: this.opts.dir, pause_ms: this.opts.backoffMs, err: errorMessage(err) },
        'cannot write reject image; image saving paused, inspections still recorded',
      );
      return null;
    }
    const prev = this.index.get(rel);
    if (prev) this.bytes -= prev.bytes;
    const entry = { ts: img.ts, bytes: jpeg.length };
    this.index.set(rel, entry);
    this.bytes += jpeg.length;
    this.savedDuringScan?.push([rel, entry]);
    this.saved++;
    if (this.bytes > this.opts.quotaBytes) void this.enforceQuota();
    return rel;
  }

  /** Delete oldest images until under quota. */
  async enforceQuota(): Promise<void> {
    if (this.enforcing) return;
    this.enforcing = true;
    try {
      const evicted: string[] = [];
      for (const [rel, e] of this.index) {
        if (this.bytes <= this.opts.quotaBytes) break;
        this.index.delete(rel);
        this.bytes -= e.bytes;
        evicted.push(rel);
      }
      if (evicted.length === 0) return;
      await this.unlinkAll(evicted);
      this.opts.onEvicted(evicted);
      this.opts.log.info({ count: evicted.length, bytes: this.bytes, quota: this.opts.quotaBytes }, 'images quota: oldest images deleted');
    } finally {
      this.enforcing = false;
    }
  }

  /** Delete files whose rows retention removed. */
  async remove(relPaths: string[]): Promise<void> {
    for (const rel of relPaths) {
      const e = this.index.get(rel);
      if (e) {
        this.index.delete(rel);
        this.bytes -= e.bytes;
      }
    }
    await this.unlinkAll(relPaths);
  }

  /** Remove whole day folders that ended before `cutoffTs` (catches files without rows, e.g. after a crash). */
  async removeDaysBefore(cutoffTs: number): Promise<void> {
    let days: string[] = [];
    try {
      days = (await readdir(this.opts.dir)).filter((d) => DAY_DIR.test(d));
    } catch {
      return;
    }
    for (const day of days) {
      const start = Date.parse(`${day}T00:00:00Z`);
      if (!(start + DAY_MS <= cutoffTs)) continue;
      for (const [rel, e] of this.index) {
        if (rel.startsWith(`${day}/`)) {
          this.index.delete(rel);
          this.bytes -= e.bytes;
        }
      }
      await rm(join(this.opts.dir, day), { recursive: true, force: true }).catch((err) =>
        this.opts.log.warn({ code: 'STORE_IMAGE_DELETE', day, err: errorMessage(err) }, 'cannot remove old images folder'),
      );
    }
  }

  private async unlinkAll(relPaths: string[]): Promise<void> {
    for (const rel of relPaths) {
      try {
        await unlink(join(this.opts.dir, rel));
        this.deleted++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.opts.log.warn({ code: 'STORE_IMAGE_DELETE', path: rel, err: errorMessage(err) }, 'cannot delete image');
        }
      }
    }
  }
}

/** RGB pixels → baseline JPEG, quality 85, 4:2:0. Throws on a pixel count that does not match. */
async function encodeRgbJpeg(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  if (rgb.length !== width * height * 3) throw new Error(`reject image has ${rgb.length} bytes, ${width}×${height} RGB needs ${width * height * 3}`);
  // Native: imported by the first image saved, not by opening the store (test/daemon/nativeLoads).
  const { default: turbo } = await import('@julusian/jpeg-turbo');
  return turbo.compress(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length), { format: turbo.FORMAT_RGB, width, height, subsampling: turbo.SAMP_420, quality: 85 });
}
