import { InspectdError, systemClock } from '../platform/index.js';
import { createGpiomonTrigger } from './gpiomon.js';
import type { GpiodTools } from '../platform/index.js';
import { createFfmpegSource } from './ffmpeg.js';
import { createLibcameraSource } from './libcamera.js';
import type { Clock, Logger } from '../platform/index.js';
import { createReplaySource } from './replay.js';
import { createTriggeredSource } from './trigger.js';
import type { CaptureFaultListener, FrameSource, SourceStats } from './types.js';
import type { Frame } from '../domain/index.js';

/** The `camera:` config section as this stage reads it (structurally the config schema's CameraConfig). */
export interface CaptureConfig {
  source: 'replay' | 'file' | 'v4l2' | 'rtsp' | 'libcamera';
  path?: string;
  fps: number;
  loop?: boolean;
  queue?: number;
  width?: number;
  height?: number;
  /** libcamera: camera number (rpicam-vid --camera). */
  index?: number;
  executable?: string;
  stall_ms?: number;
  max_restarts?: number;
  /** Replay: larger files become FRAME_FILE_TOO_LARGE error frames. */
  max_frame_bytes?: number;
  trigger?: {
    mode: 'free' | 'gpio' | 'software';
    line?: { offset: number; active_low?: boolean };
    edge?: 'rising' | 'falling';
    debounce_ms?: number;
    /** Photo-eye → field-of-view offset. */
    delay_ms?: number;
    /** A trigger with no frame in this long yields an empty frame (verdict error). */
    timeout_ms?: number;
  };
}

export interface CaptureDeps {
  log: Logger;
  onFault?: CaptureFaultListener;
  /** Trigger mode gpio: the chip label (gpio.chip) and the libgpiod tools. */
  gpioChip?: string;
  gpioTools?: Partial<GpiodTools>;
  /** Trigger mode: every camera frame (ready/watchdog progress between parts). */
  onCameraFrame?: (frame: Frame) => void;
  /** A part's frame was dropped by the full queue (every frame free-running, triggered frames in
   *  trigger mode): the daemon decides it as an error, so it gets a row and its reject. */
  onDropped?: (frame: Frame) => void;
  /** Environment for spawned tools; default inherits. */
  env?: Record<string, string | undefined>;
  /** The daemon's clock: Frame.capturedAt, replay pacing, trigger timeouts, live-source stall and restart timers, gpiomon restarts. Default the system clock. */
  clock?: Clock;
  wallNow?: () => number;
}

export interface CaptureSource extends FrameSource {
  /** Whether frames come one per trigger. */
  readonly triggered: boolean;
  /** Trigger one inspection (MQTT command). Returns the trigger's seq; throws CAMERA_NOT_TRIGGERED in free-running mode. */
  softwareTrigger(): number;
  /** Stop capturing (kill child processes) and end the iterable. Idempotent. */
  stop(): Promise<void>;
  stats(): SourceStats;
}

/** The frame source a `camera:` section describes. The only place that picks an adapter. */
export function createFrameSource(cfg: CaptureConfig, deps: CaptureDeps): CaptureSource {
  const needPath = () => {
    if (!cfg.path) throw new InspectdError('CAMERA_CONFIG', `camera.path is required for source '${cfg.source}'`);
    return cfg.path;
  };
  const clock = deps.clock ?? systemClock;
  const mode = cfg.trigger?.mode ?? 'free';
  // In trigger mode the camera's own frames are not parts; only the trigger queue's drops are.
  const onDropped = mode === 'free' ? deps.onDropped : undefined;
  const live = {
    queueSize: cfg.queue,
    onDropped,
    stallMs: cfg.stall_ms ?? 5000,
    maxRestarts: cfg.max_restarts ?? 10,
    env: deps.env,
    log: deps.log,
    onFault: deps.onFault,
    clock,
    wallNow: deps.wallNow,
  };
  let base: FrameSource & { stop?(): Promise<void> };
  switch (cfg.source) {
    case 'replay':
      base = createReplaySource({ dir: needPath(), fps: cfg.fps, loop: cfg.loop ?? true, queueSize: cfg.queue, maxFrameBytes: cfg.max_frame_bytes, onDropped, log: deps.log, clock, wallNow: deps.wallNow });
      break;
    case 'file':
    case 'v4l2':
    case 'rtsp':
      base = createFfmpegSource({ ...live, input: cfg.source, path: needPath(), fps: cfg.fps, loop: cfg.loop, width: cfg.width, height: cfg.height, executable: cfg.executable });
      break;
    case 'libcamera':
      base = createLibcameraSource({ ...live, camera: cfg.index, fps: cfg.fps, width: cfg.width, height: cfg.height, executable: cfg.executable });
      break;
    default:
      throw new InspectdError('CAMERA_CONFIG', `unknown camera.source '${String((cfg as { source: unknown }).source)}'`);
  }

  if (mode === 'free') {
    let ctl: AbortController | null = null;
    return {
      kind: base.kind,
      triggered: false,
      frames(signal) {
        // Our own controller too, so stop() ends a replay iteration that has no child to kill.
        ctl = new AbortController();
        const inner = ctl;
        signal.addEventListener('abort', () => inner.abort(), { once: true });
        return base.frames(inner.signal);
      },
      softwareTrigger() {
        throw new InspectdError('CAMERA_NOT_TRIGGERED', 'software trigger needs camera.trigger.mode software or gpio');
      },
      async stop() {
        ctl?.abort();
        await base.stop?.();
      },
      stats: () => base.stats(),
    };
  }

  const t = cfg.trigger!;
  let input;
  if (mode === 'gpio') {
    if (!t.line) throw new InspectdError('CAMERA_CONFIG', 'camera.trigger.line is required for trigger mode gpio');
    if (!deps.gpioChip) throw new InspectdError('CAMERA_CONFIG', 'trigger mode gpio needs gpio.chip (the chip label)');
    input = createGpiomonTrigger({
      chip: deps.gpioChip,
      offset: t.line.offset,
      activeLow: t.line.active_low,
      edge: t.edge ?? 'rising',
      tools: deps.gpioTools,
      env: deps.env,
      // The photo-eye is part of the camera: the same bound on restarts in a row before it is fatal.
      maxRestarts: cfg.max_restarts ?? 10,
      log: deps.log,
      onFault: deps.onFault,
      clock,
    });
  }
  const trig = createTriggeredSource({
    inner: base,
    input,
    debounceMs: t.debounce_ms ?? 5,
    delayMs: t.delay_ms ?? 0,
    timeoutMs: t.timeout_ms ?? Math.max(1000, cfg.fps > 0 ? 3000 / cfg.fps : 0),
    queueSize: cfg.queue,
    onCameraFrame: deps.onCameraFrame,
    onDropped: deps.onDropped,
    log: deps.log,
    clock,
    wallNow: deps.wallNow,
  });
  return {
    kind: trig.kind,
    triggered: true,
    frames: (signal) => trig.frames(signal),
    softwareTrigger: () => trig.softwareTrigger(),
    stop: () => trig.stop(),
    stats: () => trig.stats(),
  };
}

export type { FrameSource, SourceStats, CaptureFaultListener } from './types.js';
export type { Frame } from '../domain/index.js';
export { BoundedQueue } from './queue.js';
export { MjpegSplitter } from './mjpeg.js';
