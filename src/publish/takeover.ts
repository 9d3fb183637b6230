import type { Clock, TimerHandle } from '../platform/index.js';

/** MQTT 5 DISCONNECT reason: another client connected with the same client id. */
export const SESSION_TAKEN_OVER = 0x8e;
/** MQTT 3.1.1 gives no reason: this many connections in a row dropped before turning stable. */
export const SHORT_DROPS_SUSPECT = 3;

export interface TakeoverInfo {
  /** Connections in a row the broker ended before they turned stable. */
  drops: number;
  /** True when the broker said so (MQTT 5 reason 0x8E), false when inferred from the drops. */
  confirmed: boolean;
}

/** The one line an operator sees: which id, what happened, the likely cause and the fix. */
export function takeoverMessage(clientId: string, t: TakeoverInfo, maxDelayMs: number): string {
  return (
    `MQTT client id '${clientId}' is in use by another client: the broker ended ${t.drops} connection(s) in a row soon after accepting them` +
    `${t.confirmed ? ' (MQTT 5 reason 0x8E, session taken over)' : ''}. Most likely two stations have the same mqtt.client_id; give each its own. ` +
    `Backing off up to ${maxDelayMs / 1000} s between attempts.`
  );
}

export interface ConnectionWatchOptions {
  /** A connection that lasts this long is healthy: the back-off resets and a takeover is over. */
  stableMs: number;
  /** Once per episode (until a connection turns stable again). */
  onTakeover(info: TakeoverInfo): void;
  onStable(): void;
  timers?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

/**
 * Tells a broker that keeps ending our connection soon after accepting it (another client with
 * our client id: each connect kicks the other) from a healthy link that drops now and then. Only
 * a connection that stayed up for `stableMs` counts as healthy; until then the caller keeps
 * backing off, so two stations with one id settle to a slow alternation instead of flapping.
 */
export class ConnectionWatch {
  private stableTimer: TimerHandle | null = null;
  private drops = 0;
  private reported = false;
  private takenOver = false;
  private readonly timers: Pick<Clock, 'setTimeout' | 'clearTimeout'>;

  constructor(private readonly o: ConnectionWatchOptions) {
    this.timers = o.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms).unref(), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  }

  /** CONNACK accepted. */
  connected(): void {
    this.cancel();
    this.takenOver = false;
    this.stableTimer = this.timers.setTimeout(() => {
      this.stableTimer = null;
      this.drops = 0;
      this.reported = false;
      this.o.onStable();
    }, this.o.stableMs);
  }

  /** A DISCONNECT from the broker (MQTT 5 only); its reason code when it has one. */
  disconnected(reasonCode: number | undefined): void {
    if (reasonCode === SESSION_TAKEN_OVER) this.takenOver = true;
  }

  /** The connection closed; `ours` when we closed it ourselves (stop). */
  closed(ours: boolean): void {
    if (this.stableTimer === null || ours) {
      this.cancel();
      return;
    }
    this.cancel();
    this.drops++;
    if (this.reported || (!this.takenOver && this.drops < SHORT_DROPS_SUSPECT)) return;
    this.reported = true;
    this.o.onTakeover({ drops: this.drops, confirmed: this.takenOver });
  }

  /** Connections in a row that ended before turning stable (0 once one did). */
  get shortDrops(): number {
    return this.drops;
  }

  stop(): void {
    this.cancel();
  }

  private cancel(): void {
    if (this.stableTimer !== null) this.timers.clearTimeout(this.stableTimer);
    this.stableTimer = null;
  }
}
