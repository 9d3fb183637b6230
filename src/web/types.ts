import type { RootLogger as Logger } from '../platform/index.js';
import type { Config } from '../config/index.js';
import type { Controls } from '../domain/index.js';
import type { EventBus } from '../events/index.js';
import type { InspectionResult } from '../domain/index.js';
import type { ModelCard } from '../model/index.js';
import type { CommandHandler } from '../publish/index.js';
import type { StoreQueries } from '../store/index.js';

/** The latest inspected frame, kept by reference (no copy per frame); rendered only on request. */
export interface LatestFrame {
  result: InspectionResult;
  /** Preprocessed 8-bit pixels, HWC interleaved (what the model saw). */
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
  /** SSIM map width×height, when the inspector returned one. */
  map: Float32Array | null;
}

/** Everything the supervisor's web surface may see or do, handed over by the composition root. */
export interface WebContext {
  http: Readonly<Config['http']>;
  /** The review queue's pass sample (review.pass_every); absent = rejects only. */
  review?: Readonly<Config['review']>;
  /** Shifts, time zone and status bands of the shift view. */
  dashboard: Readonly<Config['dashboard']>;
  station: string;
  card: ModelCard;
  /** 'inspected' per part, 'stats' per interval, 'fault' on camera/GPIO faults. */
  bus: EventBus;
  /** Read-only: the dashboard queries the store, the app alone records into it. */
  store: StoreQueries;
  /** Root of the saved images (InspectionRow.image_path is relative to it). */
  imagesDir: string;
  /** Same handler as MQTT `set/<name>`: threshold {value, who, reason}, pause, resume, save_images, trigger. */
  command: CommandHandler;
  controls: Readonly<Controls>;
  /** The app's counters (inspected, rejected, errors, fps, latency p50/p99, store/mqtt/plc/model/camera stats). */
  stats: () => Record<string, unknown>;
  latest: () => LatestFrame | null;
  /** Monotonic ms (performance.now) of the last decision, null before the first. */
  lastDecisionAt: () => number | null;
  /** Wall clock, ms (shift windows). Default Date.now. */
  wallNow?: () => number;
  /** Bearer token when configured (already read from token_file). */
  token: string | null;
  log: Logger;
}

export interface WebServer {
  /** e.g. http://127.0.0.1:8080 (the real port when 0 was configured). */
  url: string;
  /** Base of links other machines follow (http.public_url, or the listening address with the hostname for 0.0.0.0). */
  baseUrl: string;
  close(): Promise<void>;
}
