/**
 * Splits an MJPEG byte stream (ffmpeg `-f image2pipe -c:v mjpeg`, rpicam-vid `--codec mjpeg -o -`)
 * into whole JPEG frames. Pure and incremental: chunks may split any marker anywhere.
 *
 * Why not a plain search for FFD8 … FFD9: an EXIF APP1 segment may carry a thumbnail JPEG with its
 * own SOI/EOI, which would cut the frame short. So the header is walked segment by segment using
 * each segment's length, and only the entropy-coded data is scanned for markers (where a literal
 * 0xFF is always stuffed as FF 00, and FF D0–D7 are restart markers).
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

const enum S {
  Seek, // looking for FF D8
  SeekFF, // saw FF while seeking
  Marker, // expecting FF (start of next header marker)
  MarkerCode, // saw FF in header, expecting the marker code
  Len1,
  Len2,
  Skip, // skipping a segment body
  Entropy, // scan data
  EntropyFF, // saw FF in scan data
}

export interface MjpegSplitterOptions {
  /** A "frame" larger than this is garbage (lost EOI): dropped and counted. */
  maxFrameBytes?: number;
}

export class MjpegSplitter {
  private state: S = S.Seek;
  private parts: Buffer[] = [];
  private bytes = 0;
  private skip = 0;
  private len = 0;
  private afterSkip: S = S.Marker;
  private corruptCount = 0;
  private readonly maxFrameBytes: number;

  constructor(opts: MjpegSplitterOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 32 * 1024 * 1024;
  }

  /** Frames abandoned because they were malformed, truncated by a new SOI, or too large. */
  get corrupt(): number {
    return this.corruptCount;
  }

  /** Forget any partial frame (call when the producing process restarts). */
  reset(): void {
    if (this.state !== S.Seek && this.state !== S.SeekFF) this.corruptCount++;
    this.state = S.Seek;
    this.parts = [];
    this.bytes = 0;
  }

  /** Feed one chunk; returns the frames it completed, in order. */
  push(chunk: Uint8Array): Buffer[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Buffer[] = [];
    let start = -1; // start in `buf` of the current frame's unsaved bytes, -1 when not in a frame
    if (this.state !== S.Seek && this.state !== S.SeekFF) start = 0;
    let i = 0;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case S.Seek: {
          const j = buf.indexOf(0xff, i);
          if (j < 0) {
            i = n;
            break;
          }
          this.state = S.SeekFF;
          i = j + 1;
          break;
        }
        case S.SeekFF: {
          const b = buf[i];
          if (b === SOI) {
            this.beginFrame();
            start = i + 1;
            this.state = S.Marker;
          } else if (b !== 0xff) {
            this.state = S.Seek;
          }
          i++;
          break;
        }
        case S.Marker: {
          if (buf[i] === 0xff) this.state = S.MarkerCode;
          else {
            // Header bytes where a marker must be: not a JPEG we can trust. Resync on the next SOI.
            this.abandon();
            start = -1;
            this.state = S.Seek;
          }
          i++;
          break;
        }
        case S.MarkerCode:
        case S.EntropyFF: {
          const b = buf[i];
          const inScan = this.state === S.EntropyFF;
          i++;
          if (b === 0xff) break; // fill byte: still expecting a code
          if (inScan && (b === 0x00 || (b >= 0xd0 && b <= 0xd7))) {
            this.state = S.Entropy; // stuffed FF or restart marker: still scan data
          } else if (b === EOI) {
            out.push(this.finishFrame(buf, start, i));
            start = -1;
            this.state = S.Seek;
          } else if (b === SOI) {
            // A new frame began before this one ended (producer restarted mid-frame).
            this.abandon();
            this.beginFrame();
            start = i;
            this.state = S.Marker;
          } else if (b === 0x01 || (b >= 0xd0 && b <= 0xd7)) {
            this.state = S.Marker; // standalone marker, no length
          } else {
            this.afterSkip = b === SOS ? S.Entropy : S.Marker;
            this.state = S.Len1;
          }
          break;
        }
        case S.Len1:
          this.len = buf[i++] << 8;
          this.state = S.Len2;
          break;
        case S.Len2: {
          this.len |= buf[i++];
          if (this.len < 2) {
            this.abandon();
            start = -1;
            this.state = S.Seek;
          } else {
            this.skip = this.len - 2;
            this.state = this.skip > 0 ? S.Skip : this.afterSkip;
          }
          break;
        }
        case S.Skip: {
          const take = Math.min(this.skip, n - i);
          this.skip -= take;
          i += take;
          if (this.skip === 0) this.state = this.afterSkip;
          break;
        }
        case S.Entropy: {
          const j = buf.indexOf(0xff, i);
          if (j < 0) i = n;
          else {
            i = j + 1;
            this.state = S.EntropyFF;
          }
          break;
        }
      }
      // Bound memory: a frame that never ends is dropped.
      if (start >= 0 && this.bytes + (i - start) > this.maxFrameBytes) {
        this.abandon();
        start = -1;
        this.state = S.Seek;
      }
    }
    if (start >= 0 && start < n) {
      this.parts.push(buf.subarray(start, n));
      this.bytes += n - start;
    }
    return out;
  }

  private beginFrame(): void {
    this.parts = [Buffer.from([0xff, SOI])];
    this.bytes = 2;
  }

  private abandon(): void {
    this.corruptCount++;
    this.parts = [];
    this.bytes = 0;
  }

  private finishFrame(buf: Buffer, start: number, end: number): Buffer {
    if (end > start) this.parts.push(buf.subarray(start, end));
    const frame = Buffer.concat(this.parts);
    this.parts = [];
    this.bytes = 0;
    return frame;
  }
}
