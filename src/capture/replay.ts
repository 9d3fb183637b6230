import { basename } from 'node:path';
import { InspectdError, errorMessage } from '../platform/index.js';
import { listImages, systemClock } from '../platform/index.js';
import { DEFAULT_MAX_FRAME_BYTES, readFrameFile } from './frameFile.js';
import type { Clock, Logger, TimerHandle } from '../platform/index.js';
import { BoundedQueue } from './queue.js';
import type { FrameSource, SourceStats } from './types.js';
import type { Frame } from '../domain/index.js';

export interface ReplayOptions {
  /** Folder of images; replayed in name order. */
  dir: string;
  /** Frames per second; 0 = as fast as the consumer pulls (back-pressure, no drops). */
  fps: number;
  /** Start again at the first file after the last one; false = the iterable ends. */
  loop: boolean;
  /** Bounded queue for paced replay (fps > 0); the oldest frame is dropped when full. */
  queueSize?: number;
  /** A frame the full queue dropped (paced replay): the daemon decides it as an error. */
  onDropped?: (frame: Frame) => void;
  /** Larger files (and anything not a regular file) become FRAME_* error frames. Default 64 MiB. */
  maxFrameBytes?: number;
  log: Logger;
  /** Monotonic ms (Frame.capturedAt) and the pacing timer: the daemon's clock. Default the system clock. */
  clock?: Clock;
  /** Wall clock ms since epoch (Frame.wallTs). Default Date.now. */
  wallNow?: () => number;
}

export interface ReplayStats extends SourceStats {
  /** Files that were listed but gone when read (counted and skipped). */
  missing: number;
  /** Completed passes over the folder. */
  passes: number;
}

/**
 * A folder of images as a camera. Paced replay is timer-driven and pushes into the same bounded
 * drop-oldest queue a live camera does, so the daemon sees real back-pressure behaviour; fps 0
 * hands out frames only as they are pulled, so eval and benchmarks see every frame.
 */
export interface ReplayFrameSource extends FrameSource {
  stats(): ReplayStats;
}

export function createReplaySource(opts: ReplayOptions): ReplayFrameSource {
  const clock = opts.clock ?? systemClock;
  const now = () => clock.now();
  const wallNow = opts.wallNow ?? (() => Date.now());
  const st: ReplayStats = { captured: 0, dropped: 0, restarts: 0, missing: 0, passes: 0 };
  let seq = 0;

  async function list(): Promise<string[]> {
    let files: string[];
    try {
      files = await listImages(opts.dir);
    } catch (err) {
      throw new InspectdError('CAMERA_OPEN', `replay folder cannot be read: ${errorMessage(err)}`, { dir: opts.dir }, { cause: err });
    }
    if (files.length === 0) throw new InspectdError('CAMERA_NO_FRAMES', 'replay folder holds no images', { dir: opts.dir });
    return files;
  }

  /**
   * The file as a frame, or null if it vanished. A file that cannot be read (a FIFO, a device, a
   * folder, too large, EACCES) becomes an error frame: the pipeline gives it verdict `error` with
   * that FRAME_* code, and the part is rejected like any other frame that could not be inspected.
   */
  async function read(file: string): Promise<Frame | null> {
    try {
      return frame(file, await readFrameFile(file, opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES));
    } catch (err) {
      const e = err as InspectdError;
      if (e.context?.errno === 'ENOENT') {
        st.missing++;
        opts.log.warn({ file, code: 'CAMERA_FILE_MISSING' }, 'replay file vanished; skipped');
        return null;
      }
      opts.log.warn({ file, code: e.code, err: errorMessage(err) }, 'replay file unreadable; delivered as an error frame');
      return { ...frame(file, Buffer.alloc(0)), error: { code: e.code ?? 'FRAME_READ', message: errorMessage(err) } };
    }
  }

  function frame(file: string, data: Buffer): Frame {
    st.captured++;
    return { seq: ++seq, capturedAt: now(), wallTs: wallNow(), data, source: basename(file) };
  }

  /** Passes over the folder until exhausted (loop false) or aborted; yields file paths. */
  async function* files(signal: AbortSignal): AsyncGenerator<string> {
    do {
      const names = await list();
      for (const f of names) {
        if (signal.aborted) return;
        yield f;
      }
      st.passes++;
    } while (opts.loop && !signal.aborted);
  }

  async function* pulled(signal: AbortSignal): AsyncGenerator<Frame> {
    for await (const f of files(signal)) {
      const fr = await read(f);
      if (fr && !signal.aborted) yield fr;
    }
  }

  function paced(signal: AbortSignal): AsyncIterable<Frame> {
    const q = new BoundedQueue<Frame>(opts.queueSize ?? 4, (f) => {
      st.dropped++;
      opts.onDropped?.(f);
    });
    const period = 1000 / opts.fps;
    let timer: TimerHandle | undefined;
    let wake: (() => void) | undefined;
    const onAbort = () => {
      if (timer !== undefined) clock.clearTimeout(timer);
      wake?.();
      q.clear();
      q.close();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const sleepUntil = (t: number) =>
      new Promise<void>((resolve) => {
        // An abort between the folder's yield and here has already run onAbort: arming now would
        // leave a timer (and this producer) alive after the iteration ended.
        if (signal.aborted) return resolve();
        wake = resolve;
        timer = clock.setTimeout(resolve, Math.max(0, t - now()));
      });
    (async () => {
      let due = now();
      for await (const f of files(signal)) {
        await sleepUntil(due);
        if (signal.aborted || q.isClosed) return;
        const fr = await read(f);
        if (fr) q.push(fr);
        // Like a camera: keep the grid, but never burst to catch up after a long stall.
        due = Math.max(due + period, now() - period);
      }
      q.close();
    })()
      .catch((err) => q.fail(err))
      .finally(() => signal.removeEventListener('abort', onAbort));
    return q;
  }

  return {
    kind: 'replay',
    frames(signal: AbortSignal): AsyncIterable<Frame> {
      return opts.fps > 0 ? paced(signal) : pulled(signal);
    },
    stats(): ReplayStats {
      return { ...st };
    },
  };
}
