import { errorMessage } from '../platform/index.js';
import type { Logger } from '../platform/index.js';
import { systemClock, type Clock } from '../platform/index.js';
import type { Levels, LineDriver } from './gpiodDrivers.js';
import type { FaultListener } from '../domain/index.js';

/** How hard the adapter tries to get a lost holder back before the loss is fatal. */
export interface RespawnPolicy {
  /** Respawns tolerated per holder within windowMs (failed or not); one more is fatal. */
  attempts: number;
  windowMs: number;
  /** Wait before the first respawn, doubled per further attempt. */
  delayMs: number;
}

export const DEFAULT_RESPAWN: RespawnPolicy = { attempts: 3, windowMs: 60_000, delayMs: 100 };


/**
 * A holder that dies (killed, OOM, the chip reset) leaves its lines unrequested: they revert to
 * the pull resistors and the PLC sees `ready` drop. The holder is started again with the lines at
 * their last driven levels, a bounded number of times; past the bound the fault is fatal and the
 * daemon exits non-zero so systemd restarts it, rather than pulse into lines nobody holds.
 */
export class Respawner {
  private readonly recovering = new Map<LineDriver, Promise<void>>();
  private readonly dead = new Set<LineDriver>();
  private readonly tries = new Map<LineDriver, number[]>();
  private readonly clock: Clock;

  constructor(
    private readonly o: {
      policy: RespawnPolicy;
      /** The known state to re-drive: the levels last asked of this holder's lines. */
      levels: (driver: LineDriver) => Levels;
      /** False once the port closes: a holder exiting then is expected. */
      active: () => boolean;
      describe: (driver: LineDriver) => Record<string, unknown>;
      log: Logger;
      onFault?: FaultListener;
      stats: { respawns: number; errors: number };
      clock?: Clock;
    },
  ) {
    this.clock = o.clock ?? systemClock;
  }

  /** The holder behind `driver` exited while it should hold its lines. */
  lost(driver: LineDriver, message: string): void {
    if (!this.o.active() || this.dead.has(driver)) return;
    this.o.stats.errors++;
    // A holder lost again right after a respawn queues behind that respawn, never beside it.
    const prev = this.recovering.get(driver) ?? Promise.resolve();
    const next = prev.then(() => this.recover(driver, message));
    this.recovering.set(driver, next);
    void next.then(() => {
      if (this.recovering.get(driver) === next) this.recovering.delete(driver);
    });
  }

  /** Settles once `driver` is held again (or given up): writes wait for it. */
  idle(driver: LineDriver): Promise<void> {
    return this.recovering.get(driver) ?? Promise.resolve();
  }

  recoveringOrDead(driver: LineDriver): boolean {
    return this.recovering.has(driver) || this.dead.has(driver);
  }

  isDead(driver: LineDriver): boolean {
    return this.dead.has(driver);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.recovering.values()]);
  }

  private async recover(driver: LineDriver, message: string): Promise<void> {
    const { policy, log } = this.o;
    const where = this.o.describe(driver);
    log.error({ code: 'GPIO_LOST', ...where }, `${message}; respawning the holder`);
    this.fault(`${message}; respawning the holder`, false);
    let last = message;
    for (let n = 0; ; n++) {
      const now = this.clock.now();
      const recent = (this.tries.get(driver) ?? []).filter((t) => now - t < policy.windowMs);
      if (recent.length >= policy.attempts) {
        this.dead.add(driver);
        const why = `${last}; gave up after ${recent.length} respawns within ${policy.windowMs} ms`;
        log.error({ code: 'GPIO_LOST', ...where }, why);
        this.fault(why, true);
        return;
      }
      this.tries.set(driver, [...recent, now]);
      await new Promise<void>((r) => this.clock.setTimeout(r, policy.delayMs * 2 ** n));
      if (!this.o.active()) return;
      try {
        await driver.open(this.o.levels(driver));
        this.o.stats.respawns++;
        log.warn({ ...where, attempt: n + 1, levels: Object.fromEntries(this.o.levels(driver)) }, 'GPIO holder respawned; lines re-driven to their last levels');
        return;
      } catch (err) {
        last = errorMessage(err);
        log.error({ code: 'GPIO_LOST', ...where, attempt: n + 1, err: last }, 'GPIO holder respawn failed');
      }
    }
  }

  private fault(message: string, fatal: boolean): void {
    try {
      this.o.onFault?.({ code: 'GPIO_LOST', message, fatal });
    } catch (err) {
      this.o.log.error({ err: errorMessage(err) }, 'GPIO fault listener threw');
    }
  }
}
