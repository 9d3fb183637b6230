import { InspectdError, errorMessage } from '../platform/index.js';
import { RefusedFileError, readBoundedFile } from '../platform/index.js';

/** camera.max_frame_bytes default: a 12 MP JPEG is a few MB; this leaves room for PNG/TIFF without letting /dev/zero in. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * One image file's bytes, for replay and for eval/calibrate folder reads. Only a regular file up
 * to `maxBytes` is read; anything else throws InspectdError FRAME_NOT_A_FILE (FIFO, device,
 * folder, socket), FRAME_FILE_TOO_LARGE, or FRAME_READ (an I/O error; context.errno says which,
 * so replay can tell a file that vanished, ENOENT, from one it may not read).
 */
export async function readFrameFile(file: string, maxBytes = DEFAULT_MAX_FRAME_BYTES): Promise<Buffer> {
  try {
    return await readBoundedFile(file, maxBytes);
  } catch (err) {
    if (err instanceof RefusedFileError) {
      const code = err.reason === 'too-large' ? 'FRAME_FILE_TOO_LARGE' : 'FRAME_NOT_A_FILE';
      throw new InspectdError(code, err.reason === 'too-large' ? `${err.message} (camera.max_frame_bytes)` : err.message, { file, max_bytes: maxBytes });
    }
    const errno = (err as NodeJS.ErrnoException).code;
    throw new InspectdError('FRAME_READ', `cannot read ${file}: ${errorMessage(err)}`, { file, errno }, { cause: err });
  }
}
