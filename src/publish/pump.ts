import { errorMessage, unrefTimer, type Clock, type ErrorCode, type TimerHandle } from '../platform/index.js';
import type { OutboxRow } from '../store/index.js';
import type { OutboxPort, SinkLog } from './types.js';

export interface PumpDeps {
  store: OutboxPort;
  /** Publish one row; `done` is the PUBACK (or the client's error). */
  send(row: OutboxRow, done: (err?: Error) => void): void;
  isConnected(): boolean;
  window: number;
  pollMs: number;
  /** The poll, the retry after a failed publish and the drain's deadline. */
  clock: Clock;
  log: SinkLog;
  onError(code: ErrorCode, err: unknown): void;
}

/**
 * Moves the SQLite outbox to the broker in id order with at most `window` messages awaiting
 * PUBACK. Rows are marked delivered only on PUBACK, so a crash or outage re-sends at most the
 * window. While disconnected it sends nothing: mqtt.js keeps the in-flight ones and re-sends
 * them first on reconnect, then the pump continues after them, so order holds.
 */
export class DeliveryPump {
  readonly inflight = new Set<number>();
  /** Highest id handed to the client; the next read starts after it. */
  private lastId = 0;
  private acked: number[] = [];
  private markScheduled = false;
  private runScheduled = false;
  private poll: TimerHandle | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  published = 0;
  delivered = 0;

  constructor(private readonly d: PumpDeps) {}

  start(): void {
    this.unsubscribe = this.d.store.onOutboxWritten?.(() => this.kick()) ?? null;
    // Housekeeping, unref'd (on Node timers): the MQTT socket is what keeps a running daemon alive.
    this.poll = unrefTimer(this.d.clock.setInterval(() => this.kick(), this.d.pollMs));
    this.kick();
  }

  kick(): void {
    if (this.runScheduled || this.stopped) return;
    this.runScheduled = true;
    // Deferred: kicks come from inside the store's commit and from PUBACK callbacks.
    setImmediate(() => {
      this.runScheduled = false;
      this.run();
    });
  }

  private run(): void {
    if (this.stopped || !this.d.isConnected()) return;
    let space = this.d.window - this.inflight.size;
    if (space <= 0) return;
    let rows: OutboxRow[];
    try {
      // In-flight rows are still pending after a rewind; read enough to skip them.
      rows = this.d.store.outboxPending(space + this.inflight.size, this.lastId);
    } catch (err) {
      this.d.onError('MQTT_OUTBOX_READ', err);
      return;
    }
    for (const row of rows) {
      if (space <= 0) break;
      this.lastId = Math.max(this.lastId, row.id);
      if (this.inflight.has(row.id)) continue;
      this.inflight.add(row.id);
      space--;
      this.published++;
      try {
        this.d.send(row, (err) => this.done(row.id, err));
      } catch (err) {
        this.done(row.id, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  private done(id: number, err?: Error): void {
    if (!this.inflight.delete(id)) return;
    if (err) {
      // Not acknowledged: read it again from the outbox (it is still pending there).
      this.lastId = Math.min(this.lastId, id - 1);
      this.d.onError('MQTT_PUBLISH', err);
      if (!this.stopped) unrefTimer(this.d.clock.setTimeout(() => this.kick(), 250));
      return;
    }
    this.delivered++;
    this.acked.push(id);
    this.scheduleMark();
    this.kick();
  }

  /** PUBACKs arrive one by one; mark them in one transaction per tick. */
  private scheduleMark(): void {
    if (this.markScheduled) return;
    this.markScheduled = true;
    setImmediate(() => {
      this.markScheduled = false;
      this.flushAcks();
    });
  }

  private flushAcks(): void {
    if (this.acked.length === 0) return;
    const ids = this.acked;
    this.acked = [];
    try {
      this.d.store.markDelivered(ids);
    } catch (err) {
      // Left pending: re-sent after a restart (a duplicate, never a loss).
      this.d.onError('MQTT_OUTBOX_MARK', err);
    }
  }

  private pendingNow(): number {
    try {
      return this.d.store.outboxPending(1, this.lastId).length + this.inflight.size;
    } catch (err) {
      this.d.log.debug({ err: errorMessage(err) }, 'outbox not readable while draining');
      return 0;
    }
  }

  /** Deliver everything pending (close on a finite replay). Resolves true when empty, false at
   *  `deadline` (clock ms). Its waits are not unref'd: the close that awaits it must not be cut short. */
  async drain(deadline: number): Promise<boolean> {
    for (;;) {
      this.flushAcks();
      if (this.pendingNow() === 0) return true;
      if (this.d.clock.now() >= deadline || !this.d.isConnected()) return false;
      this.kick();
      await new Promise<void>((r) => this.d.clock.setTimeout(r, 20));
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.poll !== null) this.d.clock.clearInterval(this.poll);
    this.unsubscribe?.();
    this.flushAcks();
  }
}
