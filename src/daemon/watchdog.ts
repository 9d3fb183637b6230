import type { Logger } from '../platform/index.js';
import { systemClock, type Clock, type TimerHandle } from '../platform/index.js';

/**
 * The systemd watchdog interval from $WATCHDOG_USEC / $WATCHDOG_PID (values passed in): half the
 * timeout, as sd_watchdog_enabled(3) recommends; null when the watchdog is off or meant for
 * another process. Pure.
 */
export function watchdogIntervalMs(watchdogUsec: string | undefined, watchdogPid?: string, selfPid?: number): number | null {
  if (!watchdogUsec) return null;
  if (watchdogPid && selfPid !== undefined && Number(watchdogPid) !== selfPid) return null;
  const usec = Number(watchdogUsec);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  return usec / 1000 / 2;
}

export interface WatchdogOptions {
  /** Where pings go (the SdNotifier); the status line says why they stopped (systemctl status). */
  notify: { watchdog(): Promise<void> | void; status?(text: string): Promise<void> | void };
  /** Ping period, normally watchdogIntervalMs(...). */
  intervalMs: number;
  /** No progress for this long = hung: pings stop and systemd restarts us. */
  stallMs: number;
  clock?: Clock;
  log: Logger;
}

export interface Watchdog {
  /** Begin pinging (counts as progress: the first decision gets stallMs). */
  start(): void;
  /** A frame decided from a real inference: the only thing that proves the model works. */
  progress(): void;
  /** A frame decided as `error` (model dead, frame undecodable, dropped): never progress, and until
   *  the next real inference camera frames stop counting as progress too. */
  failed(): void;
  /** Trigger mode: a camera frame between parts. Keeps an idle line alive, but only while the last
   *  part was a real inference (after an error only a real inference shows the pipeline is back). */
  cameraFrame(): void;
  stop(): void;
  stats(): { pings: number; withheld: number; failing: boolean };
}

/**
 * WATCHDOG=1 only while the pipeline makes progress. A timer alone would prove only that the
 * event loop runs; systemd should restart a daemon whose camera or model is stuck too. A stream of
 * `error` verdicts is not progress: all workers dead or every frame failing looks busy but
 * inspects nothing, and a restart is the one remedy left.
 */
export function createWatchdog(o: WatchdogOptions): Watchdog {
  const clock = o.clock ?? systemClock;
  let timer: TimerHandle | undefined;
  let last = -Infinity;
  let pings = 0;
  let withheld = 0;
  let stalled = false;
  let failing = false;

  function tick(): void {
    const idle = clock.now() - last;
    if (idle <= o.stallMs) {
      if (stalled) {
        o.log.info({ idle_ms: idle }, 'progress resumed; watchdog pings resumed');
        void o.notify.status?.('inspecting: progress resumed');
      }
      stalled = false;
      pings++;
      void o.notify.watchdog();
    } else {
      withheld++;
      if (!stalled) {
        o.log.error({ idle_ms: idle, stall_ms: o.stallMs, failing }, 'no progress; withholding watchdog pings (systemd will restart us)');
        void o.notify.status?.(failing ? 'stalled: every frame fails, no real inference' : 'stalled: no progress');
      }
      stalled = true;
    }
  }

  return {
    start() {
      if (timer !== undefined) return;
      last = clock.now();
      tick();
      timer = clock.setInterval(tick, o.intervalMs);
    },
    progress() {
      failing = false;
      last = clock.now();
    },
    failed() {
      failing = true;
    },
    cameraFrame() {
      if (!failing) last = clock.now();
    },
    stop() {
      if (timer !== undefined) clock.clearInterval(timer);
      timer = undefined;
    },
    stats: () => ({ pings, withheld, failing }),
  };
}
