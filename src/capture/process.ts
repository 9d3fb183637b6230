import { spawn, type ChildProcess } from 'node:child_process';
import { InspectdError, errorMessage, type ErrorCode } from '../platform/index.js';
import { systemClock, type Clock, type Logger, type TimerHandle } from '../platform/index.js';
import { MjpegSplitter } from './mjpeg.js';
import { BoundedQueue } from './queue.js';
import type { CaptureFaultListener, FrameSource, SourceStats } from './types.js';
import type { Frame } from '../domain/index.js';

export interface ProcessSourceOptions {
  /** FrameSource.kind: 'file' | 'v4l2' | 'rtsp' | 'libcamera'. */
  kind: string;
  /** Frame.source: device, URL or file name. */
  label: string;
  /** Executables to try in order; the next one is used only when a spawn fails with ENOENT. */
  commands: string[];
  args: string[];
  /** Exit code 0 ends the stream (a video file read once) instead of counting as a fault. */
  finite?: boolean;
  queueSize?: number;
  /** A frame the full queue dropped: the daemon decides it as an error. */
  onDropped?: (frame: Frame) => void;
  /** No frame for this long from a running child = stalled: killed and restarted. */
  stallMs: number;
  /** Grace for the first frame after a (re)start (camera power-up, RTSP connect). Default max(stallMs, 10 s). */
  startTimeoutMs?: number;
  /** Restart delay: initialMs, doubling per consecutive failure, capped at maxMs. */
  backoff?: { initialMs: number; maxMs: number };
  /** Consecutive failed starts tolerated; one more is fatal and ends the iterable with CAMERA_FATAL. */
  maxRestarts: number;
  /** SIGTERM, then SIGKILL after this long. */
  killGraceMs?: number;
  /** Environment for the child; default inherits (the daemon passes a full env when it needs one). */
  env?: Record<string, string | undefined>;
  log: Logger;
  onFault?: CaptureFaultListener;
  /** Frame.capturedAt, stall detection, restart back-off and the kill grace. Default the system clock. */
  clock?: Clock;
  wallNow?: () => number;
}

/** How a capture child is supervised; shared by the ffmpeg and libcamera adapters. */
export type SupervisionOptions = Omit<ProcessSourceOptions, 'kind' | 'label' | 'commands' | 'args' | 'finite'>;

/** Picks the supervision fields out of an adapter's options (which also carry its own arguments). */
export function supervision(o: SupervisionOptions): SupervisionOptions {
  const { queueSize, onDropped, stallMs, startTimeoutMs, maxRestarts, backoff, killGraceMs, env, log, onFault, clock, wallNow } = o;
  return { queueSize, onDropped, stallMs, startTimeoutMs, maxRestarts, backoff, killGraceMs, env, log, onFault, clock, wallNow };
}

export interface ProcessSourceStats extends SourceStats {
  /** Consecutive failures since frames last flowed. */
  failures: number;
  /** Partial or malformed JPEGs discarded by the splitter. */
  corrupt: number;
  /** The child is running now. */
  running: boolean;
}

export interface ProcessFrameSource extends FrameSource {
  stats(): ProcessSourceStats;
  /** Stop capturing: kill the child (SIGTERM, then SIGKILL) and end the iterable. Resolves when it exited. */
  stop(): Promise<void>;
}

const STDERR_LINES = 20;

/**
 * A camera behind a child process writing MJPEG to stdout (ffmpeg, rpicam-vid). The process is
 * supervised: if it dies or stalls it is killed and restarted with exponential back-off, each fault
 * reported to `onFault`; frames are stamped on arrival and pushed into a bounded drop-oldest queue.
 */
export function createProcessSource(opts: ProcessSourceOptions): ProcessFrameSource {
  const clock = opts.clock ?? systemClock;
  const now = () => clock.now();
  const wallNow = opts.wallNow ?? (() => Date.now());
  const backoff = opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const killGraceMs = opts.killGraceMs ?? 2000;
  const startTimeoutMs = opts.startTimeoutMs ?? Math.max(opts.stallMs, 10_000);
  const log = opts.log;

  const st = { captured: 0, dropped: 0, restarts: 0, failures: 0, corrupt: 0 };
  let seq = 0;
  let commandIdx = 0;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let queue: BoundedQueue<Frame> | null = null;
  let splitter = new MjpegSplitter();
  let stallTimer: TimerHandle | undefined;
  let restartTimer: TimerHandle | undefined;
  let lastFrameAt = 0;
  let gotFrame = false;
  let stopping = false;
  let stderrTail: string[] = [];

  function fault(code: ErrorCode, message: string, fatal: boolean): void {
    try {
      opts.onFault?.({ code, message, fatal });
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'capture fault listener threw');
    }
  }

  function armStall(): void {
    if (stallTimer !== undefined) clock.clearTimeout(stallTimer);
    const limit = gotFrame ? opts.stallMs : startTimeoutMs;
    const due = lastFrameAt + limit - now();
    stallTimer = clock.setTimeout(onStallCheck, Math.max(1, due));
  }

  function onStallCheck(): void {
    stallTimer = undefined;
    if (!child || stopping) return;
    const limit = gotFrame ? opts.stallMs : startTimeoutMs;
    if (now() - lastFrameAt < limit) return armStall(); // frames arrived since: re-check later
    const cur = child;
    child = null; // its exit is ours, not another failure
    failed('CAMERA_STALLED', `${opts.kind} source ${opts.label}: no frame for ${Math.round(now() - lastFrameAt)} ms`);
    void kill(cur);
  }

  function onFrame(data: Buffer): void {
    lastFrameAt = now();
    if (!gotFrame) {
      gotFrame = true;
      if (st.failures > 0) log.info({ source: opts.label, after_failures: st.failures }, 'camera recovered');
      st.failures = 0;
      armStall(); // from now on the (shorter) stall limit applies, not the start-up grace
    }
    st.captured++;
    queue?.push({ seq: ++seq, capturedAt: lastFrameAt, wallTs: wallNow(), data, source: opts.label });
  }

  function start(): void {
    if (stopping || !queue) return;
    const command = opts.commands[commandIdx];
    splitter.reset();
    splitter = new MjpegSplitter();
    stderrTail = [];
    gotFrame = false;
    lastFrameAt = now();
    log.debug({ command, args: opts.args }, 'starting capture process');
    const cp = spawn(command, opts.args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env });
    child = cp;
    let markExited!: () => void;
    exited = new Promise<void>((resolve) => (markExited = resolve));
    cp.once('close', () => markExited());
    let spawnFailed = false;
    cp.on('error', (err: NodeJS.ErrnoException) => {
      if (cp.pid !== undefined) {
        log.warn({ source: opts.label, err: err.message }, 'capture process error');
        return;
      }
      // Spawn failure: 'close' may never come.
      markExited();
      if (child !== cp) return;
      spawnFailed = true;
      child = null;
      if (err.code === 'ENOENT' && commandIdx + 1 < opts.commands.length) {
        commandIdx++;
        log.info({ missing: command, next: opts.commands[commandIdx] }, 'capture executable not found; trying the next name');
        return start();
      }
      failed('CAMERA_SPAWN', `${opts.kind}: cannot start ${command}: ${err.message}`);
    });
    cp.stdout!.on('data', (chunk: Buffer) => {
      if (child !== cp) return;
      for (const f of splitter.push(chunk)) onFrame(f);
      st.corrupt = splitter.corrupt;
    });
    let partial = '';
    cp.stderr!.setEncoding('utf8');
    cp.stderr!.on('data', (s: string) => {
      const lines = (partial + s).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        log.debug({ source: opts.label, stderr: line }, 'capture process stderr');
        stderrTail.push(line);
        if (stderrTail.length > STDERR_LINES) stderrTail.shift();
      }
    });
    cp.once('exit', (code, signal) => {
      if (child !== cp || spawnFailed) return;
      child = null;
      if (stallTimer !== undefined) clock.clearTimeout(stallTimer);
      if (stopping) return;
      if (opts.finite && code === 0) {
        log.info({ source: opts.label, frames: st.captured }, 'capture source ended');
        queue?.close();
        return;
      }
      failed('CAMERA_EXITED', `${opts.kind} source ${opts.label}: ${command} exited (${signal ?? `code ${code}`})`);
    });
    armStall();
  }

  /** One failed start or run: report, then restart after back-off, or end with CAMERA_FATAL. */
  function failed(code: ErrorCode, message: string): void {
    if (stopping) return;
    if (stallTimer !== undefined) clock.clearTimeout(stallTimer);
    st.failures++;
    const tail = stderrTail.slice(-3).join(' | ');
    const full = tail ? `${message}; stderr: ${tail}` : message;
    const fatal = st.failures > opts.maxRestarts;
    fault(code, full, fatal);
    if (fatal) {
      log.error({ code, source: opts.label, failures: st.failures }, `camera failed ${st.failures} times in a row; giving up`);
      const err = new InspectdError('CAMERA_FATAL', full, { source: opts.label, failures: st.failures, last: code });
      const cur = child;
      stopping = true;
      void (cur ? kill(cur) : Promise.resolve()).then(() => queue?.fail(err));
      return;
    }
    const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (st.failures - 1));
    log.warn({ code, source: opts.label, failures: st.failures, restart_in_ms: delay }, full);
    restartTimer = clock.setTimeout(async () => {
      restartTimer = undefined;
      await exited; // never two children on one camera
      if (stopping) return;
      st.restarts++;
      start();
    }, delay);
  }

  async function kill(cp: ChildProcess): Promise<void> {
    const done = new Promise<void>((resolve) => {
      if (cp.exitCode !== null || cp.signalCode !== null) return resolve();
      cp.once('close', () => resolve());
    });
    cp.kill('SIGTERM');
    const hard = clock.setTimeout(() => cp.kill('SIGKILL'), killGraceMs);
    await done;
    clock.clearTimeout(hard);
  }

  async function stop(): Promise<void> {
    const wasStopping = stopping;
    stopping = true;
    if (stallTimer !== undefined) clock.clearTimeout(stallTimer);
    if (restartTimer !== undefined) clock.clearTimeout(restartTimer);
    const cur = child;
    if (cur) await kill(cur);
    await exited;
    if (!wasStopping || queue?.isClosed === false) {
      queue?.clear();
      queue?.close();
    }
  }

  return {
    kind: opts.kind,
    frames(signal: AbortSignal): AsyncIterable<Frame> {
      if (queue) throw new InspectdError('CAMERA_BUSY', `${opts.kind} source ${opts.label} is already streaming`, { source: opts.label });
      const q = new BoundedQueue<Frame>(opts.queueSize ?? 4, (f) => {
        st.dropped++;
        opts.onDropped?.(f);
      });
      queue = q;
      if (signal.aborted) q.close();
      else {
        signal.addEventListener('abort', () => void stop(), { once: true });
        start();
      }
      return {
        [Symbol.asyncIterator]: () => ({
          next: () => q.next(),
          return: async () => {
            await stop();
            return { value: undefined, done: true as const };
          },
        }),
      };
    },
    stats: () => ({ ...st, running: child !== null }),
    stop,
  };
}
