import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Reading a file named by someone else (a replay folder, an eval folder, a config) safely:
 * open once with O_NONBLOCK, so a FIFO or a device never blocks the open (a blocked open holds a
 * libuv thread for good, and a stop waits on it); fstat that same descriptor, so a symlink swapped
 * after a check cannot race it; accept only a regular file no larger than the cap; then read from
 * that descriptor, never more than cap + 1 bytes (a file still growing is caught too).
 */

/** The file is not a regular file, or is larger than the cap. I/O errors (ENOENT, EACCES) are thrown as they come. */
export class RefusedFileError extends Error {
  constructor(readonly reason: 'not-a-file' | 'too-large', readonly file: string, message: string) {
    super(message);
    this.name = 'RefusedFileError';
  }
}

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / (1024 * 1024)).toFixed(1)} MiB` : `${n} bytes`;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function check(file: string, st: Stats, maxBytes: number): void {
  if (!st.isFile()) throw new RefusedFileError('not-a-file', file, `${file} is ${kindOf(st)}, not a regular file`);
  if (st.size > maxBytes) throw tooLarge(file, st.size, maxBytes);
}

const tooLarge = (file: string, size: number | null, maxBytes: number) =>
  new RefusedFileError('too-large', file, `${file} is ${size === null ? 'larger than' : `${formatBytes(size)}, above`} the ${formatBytes(maxBytes)} limit`);

function makeBuffer(st: Stats, maxBytes: number): Buffer {
  // st.size + 1 so that EOF is seen in the first read; /proc-like files report 0 and grow below.
  return Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
}

function grow(buf: Buffer, maxBytes: number): Buffer {
  const next = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(4096, buf.length * 2)));
  buf.copy(next);
  return next;
}

export async function readBoundedFile(file: string, maxBytes: number): Promise<Buffer> {
  const fh = await open(file, FLAGS);
  try {
    const st = await fh.stat();
    check(file, st, maxBytes);
    let buf = makeBuffer(st, maxBytes);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > maxBytes) throw tooLarge(file, null, maxBytes);
        buf = grow(buf, maxBytes);
      }
      const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > maxBytes) throw tooLarge(file, null, maxBytes);
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

export function readBoundedFileSync(file: string, maxBytes: number): Buffer {
  const fd = openSync(file, FLAGS);
  try {
    const st = fstatSync(fd);
    check(file, st, maxBytes);
    let buf = makeBuffer(st, maxBytes);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > maxBytes) throw tooLarge(file, null, maxBytes);
        buf = grow(buf, maxBytes);
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) throw tooLarge(file, null, maxBytes);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
