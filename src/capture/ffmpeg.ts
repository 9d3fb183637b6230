import { createProcessSource, supervision, type ProcessFrameSource, type SupervisionOptions } from './process.js';

export type FfmpegInput = 'file' | 'v4l2' | 'rtsp';

export interface FfmpegArgsOptions {
  input: FfmpegInput;
  /** Video file, device path (/dev/video0) or rtsp:// URL. */
  path: string;
  /** Output frame rate; 0 = the input's own rate (and files are read as fast as ffmpeg can). */
  fps: number;
  /** Files only: start again at the end (ffmpeg -stream_loop -1). */
  loop?: boolean;
  width?: number;
  height?: number;
  /** MJPEG quality, 2 (best) … 31. */
  quality?: number;
}

/**
 * ffmpeg arguments that turn any input into an MJPEG stream on stdout. Pure (table-tested).
 * Files are read at native speed (-re) when paced, like a camera; otherwise as fast as possible.
 */
export function ffmpegArgs(o: FfmpegArgsOptions): string[] {
  const a = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  switch (o.input) {
    case 'file':
      if (o.fps > 0) a.push('-re');
      if (o.loop) a.push('-stream_loop', '-1');
      break;
    case 'v4l2':
      a.push('-f', 'v4l2');
      if (o.width && o.height) a.push('-video_size', `${o.width}x${o.height}`);
      if (o.fps > 0) a.push('-framerate', String(o.fps));
      break;
    case 'rtsp':
      // TCP: no smeared frames from lost UDP packets on a plant network.
      a.push('-rtsp_transport', 'tcp');
      break;
  }
  a.push('-i', o.path, '-an');
  if (o.input !== 'v4l2' && o.width && o.height) a.push('-vf', `scale=${o.width}:${o.height}`);
  if (o.fps > 0) a.push('-r', String(o.fps));
  a.push('-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', String(o.quality ?? 3), 'pipe:1');
  return a;
}

export interface FfmpegSourceOptions extends FfmpegArgsOptions, SupervisionOptions {
  /** ffmpeg executable (default 'ffmpeg' on PATH). */
  executable?: string;
}

/** file / v4l2 / rtsp through a supervised ffmpeg child. A file read once ends the stream at EOF. */
export function createFfmpegSource(o: FfmpegSourceOptions): ProcessFrameSource {
  return createProcessSource({
    kind: o.input,
    label: o.path,
    commands: [o.executable ?? 'ffmpeg'],
    args: ffmpegArgs(o),
    finite: o.input === 'file' && !o.loop,
    ...supervision(o),
  });
}
