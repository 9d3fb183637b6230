import type { CaptureSource } from '../capture/index.js';
import type { Frame } from '../domain/index.js';
import type { Config } from '../config/index.js';
import type { GpioPort } from '../actuate/index.js';
import type { Inspector } from '../model/index.js';
import type { Publisher, PublisherOptions } from '../publish/index.js';
import type { Store, StoreOptions } from '../store/index.js';
import { systemClock, type Clock, type FaultListener, type Logger, type RootLogger } from '../platform/index.js';
import type { EmbeddedBroker } from './embeddedBroker.js';
import { createSdNotify, type SdNotifier } from './sdNotify.js';

/**
 * Everything the composition root touches outside itself (zwave-js `host`): time, the process
 * environment and one factory per adapter. `createPorts` builds the real ones from the config;
 * the in-process test harness (test/daemon/harness.ts) hands in a scripted camera, a fake
 * inspector, the strict GPIO fake and a fake clock, and createApp cannot tell the difference.
 */
export interface Ports {
  /** Monotonic ms and timers, same base as Frame.capturedAt: pipeline, PLC signals, stats, stop deadline. */
  clock: Clock;
  /** Wall-clock ms since epoch (event timestamps). */
  wallNow(): number;
  env: Readonly<Record<string, string | undefined>>;
  pid: number;
  /** The model, warmed up. */
  openInspector(log: RootLogger): Promise<Inspector>;
  openStore(opts: StoreOptions): Promise<Store>;
  openPublisher(opts: PublisherOptions): Promise<Publisher>;
  /** The raw GPIO lines the PLC signals drive (libgpiod or the simulated chip). */
  createGpio(deps: { log: Logger; onFault: FaultListener }): Promise<GpioPort>;
  /** `clock` and `wallNow` are the app's own (above), so Frame.capturedAt shares the pipeline's time base. */
  createFrameSource(deps: { log: Logger; onFault: FaultListener; onCameraFrame: (f: Frame) => void; onDropped: (f: Frame) => void; clock: Clock; wallNow: () => number }): Promise<CaptureSource>;
  /** sd_notify; a no-op without NOTIFY_SOCKET. */
  createNotifier(log: Logger): SdNotifier;
  /** The loopback broker when none listens on the configured port, else null. */
  startEmbeddedBroker(url: string): Promise<EmbeddedBroker | null>;
}

/** What main.ts knows about the process. */
export interface Host {
  env: Readonly<Record<string, string | undefined>>;
  pid: number;
}

/**
 * The real adapters a config describes: the only place that picks them. Native modules load
 * inside the factories (dynamic import through each stage's door), so building the ports costs
 * nothing and a command that never opens, say, the store never loads better-sqlite3.
 */
export function createPorts(config: Readonly<Config>, host: Host): Ports {
  return {
    clock: systemClock,
    wallNow: () => Date.now(),
    env: host.env,
    pid: host.pid,
    async openInspector(log) {
      const { openInspector } = await import('../model/index.js');
      return openInspector(config.model.path, {
        workers: config.model.workers, threadsPerWorker: config.model.threads_per_worker, timeoutMs: config.model.timeout_ms,
        onRestart: (info: unknown) => log.warn({ info }, 'model worker restarted'),
      });
    },
    async openStore(opts) {
      const { openStore } = await import('../store/index.js');
      return openStore(opts);
    },
    async openPublisher(opts) {
      const { openPublisher } = await import('../publish/index.js');
      return openPublisher(opts);
    },
    async createGpio({ log, onFault }) {
      const { createGpioPort } = await import('../actuate/index.js');
      const g = config.gpio;
      return createGpioPort({ backend: g.backend, sim_log: g.sim_log, chip: g.chip, lines: g.lines }, { log, onFault, env: host.env });
    },
    async createFrameSource(deps) {
      const { createFrameSource } = await import('../capture/index.js');
      return createFrameSource(config.camera, { ...deps, gpioChip: config.gpio.chip, env: host.env });
    },
    createNotifier: (log) => createSdNotify({ socket: host.env.NOTIFY_SOCKET ?? null, log }),
    async startEmbeddedBroker(url) {
      const { startEmbeddedBrokerIfNeeded } = await import('./embeddedBroker.js');
      return startEmbeddedBrokerIfNeeded(url);
    },
  };
}
