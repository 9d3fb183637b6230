import type { Watches } from './watch.js';
import type { OutboxRow, SinkLog } from '../store/index.js';
import type { FaultEvent, FaultListener } from '../domain/index.js';
import { type ErrorCode } from '../platform/index.js';

export type { SinkLog };

/** What the publisher needs from the store (the SQLite outbox). */
export interface OutboxPort {
  /** Undelivered rows with id > afterId, in id order. */
  outboxPending(limit: number, afterId?: number): OutboxRow[];
  markDelivered(ids: readonly number[]): void;
  outboxPendingCount?(): number;
  /** Wake the pump when a commit added rows (otherwise it polls). */
  onOutboxWritten?(listener: () => void): () => void;
}

export type CommandResult = ({ ok: true } & Record<string, unknown>) | { ok: false; error: string };

/**
 * Handles `<prefix>/<station>/set/<name>`. `payload` is the parsed JSON object (a bare value v
 * arrives as { value: v }); its `id` is the transaction id echoed in the response.
 * May reject: the rejection's message becomes an error response.
 */
export type CommandHandler = (name: string, payload: Record<string, unknown>) => Promise<CommandResult>;

export interface PublisherOptions {
  /** mqtt://host:port or mqtts://host:port (also ws/wss as mqtt.js supports). */
  url: string;
  /** Must be unique per station: the broker drops the older of two clients with one id (see stableMs). */
  clientId: string;
  station: string;
  topicPrefix: string;
  username?: string;
  password?: string;
  /** PEM contents (not paths; the daemon reads the files or systemd credentials). */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Verify the broker certificate (default true). */
  rejectUnauthorized?: boolean;
  /** The outbox; without it the publisher only sends status/stats/faults/responses. */
  store?: OutboxPort;
  log: SinkLog;
  onCommand?: CommandHandler;
  /** false: do not subscribe to `set/+` at all (config `mqtt.commands: false`). Default true. */
  commands?: boolean;
  /** Max outbox messages awaiting PUBACK (= the duplicate bound after a connection loss). Default 32. */
  window?: number;
  keepaliveS?: number;
  /** Reconnect back-off: first delay, doubled per failed attempt up to the max. Defaults 1 s / 30 s. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * A connection must stay up this long before the back-off resets; shorter ones in a row are
   * taken for a client id clash (MQTT_SESSION_TAKEOVER). Default 2 × reconnectMaxMs.
   */
  stableMs?: number;
  /** close(): time allowed to drain the outbox and get the `offline` PUBACK. Default 3 s. */
  closeTimeoutMs?: number;
  /** Outbox poll period when the store cannot notify. Default 1 s. */
  pollMs?: number;
  /** A command handler slower than this gets an error response. Default 10 s. */
  commandTimeoutMs?: number;
  /** Other topics to follow, by exact topic (e.g. Home Assistant's `homeassistant/status`). */
  watch?: Watches;
  /** Faults the publisher raises itself (MQTT_SESSION_TAKEOVER); without a listener it logs them. */
  onFault?: FaultListener;
  /**
   * Our own timers (close deadline, outbox poll and retry, command timeout, takeover check); the
   * reconnect back-off is mqtt.js's own timer. Default the system clock. `wallNow`: error and
   * response timestamps (wall-clock ms), default Date.now.
   */
  clock?: import('../platform/index.js').Clock;
  wallNow?: () => number;
  /** Injected mqtt.connect (the ports pattern: tests reach the real client through it). */
  connect?: (url: string, opts: import('mqtt').IClientOptions) => import('mqtt').MqttClient;
}

export interface PublisherStats {
  connected: boolean;
  /** Outbox messages handed to the client (re-reads after a publish error count again; mqtt.js re-sending its in-flight ones after a reconnect does not). */
  published: number;
  /** Outbox messages acknowledged (PUBACK) and marked delivered. */
  delivered: number;
  /** Undelivered outbox rows (gauge; -1 without a store that counts). */
  pending: number;
  /** Awaiting PUBACK now (gauge). */
  inflight: number;
  errors: number;
  /** Successful connects after the first. */
  reconnects: number;
  auth_failures: number;
  stats_sent: number;
  /** stats/faults not sent because the broker was unreachable. */
  dropped: number;
  commands: number;
  last_error: { code: ErrorCode; message: string; ts: number } | null;
}

export type { FaultEvent } from '../domain/index.js';

export interface Publisher {
  readonly connected: boolean;
  /** QoS 0, not outboxed; dropped (counted) while disconnected. Never throws. */
  publishStats(stats: import('../domain/index.js').StatsSnapshot): void;
  /** QoS 1 on `<prefix>/<station>/fault`; a small number is held while disconnected. Never throws. */
  publishFault(fault: FaultEvent): void;
  /** Retained QoS 1 state on `<prefix>/<station>/<name>`, re-published after every reconnect. Never throws. */
  publishState(name: string, payload: unknown): void;
  /** Retained QoS 1 on an absolute topic (e.g. Home Assistant discovery), re-published after every reconnect. Never throws. */
  publishRetained(topic: string, payload: string): void;
  /** Wake the delivery pump now (the store also does this after each commit). */
  kick(): void;
  stats(): PublisherStats;
  /** Drain the outbox (bounded), publish retained `offline`, disconnect cleanly. Idempotent, never rejects. */
  close(): Promise<void>;
}
