/**
 * What the 'area' pixel path needs from a JPEG before decoding it: the frame size (to refuse a
 * 10000×10000 bomb before libjpeg-turbo allocates it), the component count and the EXIF
 * orientation (camera frames have none; photos from a phone or drone often do). Pure, reads
 * only the marker segments before the first scan.
 */
export interface JpegHeader {
  width: number;
  height: number;
  components: number;
  /** EXIF orientation 1..8; 1 when there is no EXIF block or no orientation tag. */
  orientation: number;
}

export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/** null when the bytes are not a JPEG or no frame header comes before the first scan. */
export function readJpegHeader(b: Uint8Array): JpegHeader | null {
  if (!isJpeg(b)) return null;
  let p = 2;
  let orientation = 1;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return null;
    const m = b[p + 1];
    if (m === 0xff) { p++; continue; } // fill byte
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) { p += 2; continue; }
    if (m === 0xd9 || m === 0xda) return null; // end of image or scan before any frame header
    const len = (b[p + 2] << 8) | b[p + 3];
    if (len < 2 || p + 2 + len > b.length) return null;
    const seg = p + 4;
    const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (isSof) {
      if (len < 8) return null;
      return { height: (b[seg + 1] << 8) | b[seg + 2], width: (b[seg + 3] << 8) | b[seg + 4], components: b[seg + 5], orientation };
    }
    if (m === 0xe1) orientation = exifOrientation(b, seg, seg + len - 2) ?? orientation;
    p += 2 + len;
  }
  return null;
}

function exifOrientation(b: Uint8Array, start: number, end: number): number | null {
  // "Exif\0\0" then a TIFF header: byte order, 42, offset of IFD0.
  if (end - start < 14 || b[start] !== 0x45 || b[start + 1] !== 0x78 || b[start + 2] !== 0x69 || b[start + 3] !== 0x66) return null;
  const t = start + 6;
  const le = b[t] === 0x49 && b[t + 1] === 0x49;
  if (!le && !(b[t] === 0x4d && b[t + 1] === 0x4d)) return null;
  const u16 = (o: number) => (o + 2 > end ? -1 : le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1]);
  const u32 = (o: number) => (o + 4 > end ? -1 : le ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 2 ** 24 : b[o] * 2 ** 24 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]));
  const ifd = u32(t + 4);
  if (ifd < 0 || t + ifd + 2 > end) return null;
  const n = u16(t + ifd);
  for (let i = 0; i < n; i++) {
    const e = t + ifd + 2 + i * 12;
    if (e + 12 > end) return null;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : null;
    }
  }
  return null;
}
