import { createProcessSource, supervision, type ProcessFrameSource, type SupervisionOptions } from './process.js';

/**
 * Raspberry Pi cameras through a spawned rpicam-vid writing MJPEG to stdout. Why not the npm
 * package node-libcamera: it wraps the still/vid apps with child_process.exec, which buffers
 * stdout into a string until the app exits — fine for one still to a file, no use for a frame
 * stream. Reading the MJPEG pipe ourselves gives every frame as it is encoded.
 */
export interface LibcameraArgsOptions {
  width?: number;
  height?: number;
  fps: number;
  /** MJPEG quality 1–100 (rpicam-vid -q). */
  quality?: number;
  /** Camera index for boards with two (Pi 5, CM4). */
  camera?: number;
}

/** rpicam-vid arguments. Pure (table-tested). `--flush` so each frame leaves the pipe at once. */
export function libcameraArgs(o: LibcameraArgsOptions): string[] {
  const a = ['--codec', 'mjpeg', '-t', '0', '-o', '-', '--nopreview', '--flush'];
  if (o.camera !== undefined) a.push('--camera', String(o.camera));
  a.push('--width', String(o.width ?? 640), '--height', String(o.height ?? 480));
  if (o.fps > 0) a.push('--framerate', String(o.fps));
  if (o.quality !== undefined) a.push('-q', String(o.quality));
  return a;
}

/** Names tried in order: Bookworm renamed libcamera-vid to rpicam-vid (the old name is a compat link, gone on newer images). */
export const LIBCAMERA_EXECUTABLES = ['rpicam-vid', 'libcamera-vid'] as const;

export interface LibcameraSourceOptions extends LibcameraArgsOptions, SupervisionOptions {
  /** Executable path or name; default tries rpicam-vid, then libcamera-vid. */
  executable?: string;
}

export function createLibcameraSource(o: LibcameraSourceOptions): ProcessFrameSource {
  return createProcessSource({
    kind: 'libcamera',
    label: o.camera !== undefined ? `libcamera:${o.camera}` : 'libcamera',
    commands: o.executable ? [o.executable] : [...LIBCAMERA_EXECUTABLES],
    args: libcameraArgs(o),
    ...supervision(o),
  });
}
