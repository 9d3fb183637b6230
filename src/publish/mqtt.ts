import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { InspectdError, errorMessage, settleWithin, systemClock, unrefTimer, type ErrorCode } from '../platform/index.js';
import type { StatsSnapshot } from '../domain/index.js';
import { mqttUrlProblem } from '../config/index.js';
import { answerCommand } from './commands.js';
import { DeliveryPump } from './pump.js';
import { ConnectionWatch, takeoverMessage, type TakeoverInfo } from './takeover.js';
import { checkTopicParts, commandFilter, parseCommandTopic, topicFor } from './topics.js';
import type { Publisher, PublisherOptions, PublisherStats } from './types.js';
import type { FaultEvent } from '../domain/index.js';
import { attachWatches } from './watch.js';

/** CONNACK codes meaning "who you are is refused" (MQTT 3.1.1: 4, 5; MQTT 5: 134, 135). */
const AUTH_CODES = new Set([4, 5, 134, 135]);
const STATE_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const RESERVED = new Set(['status', 'result', 'alert', 'stats', 'fault', 'response', 'set']);
const MAX_HELD_FAULTS = 100; // held in mqtt.js's memory while offline; beyond, counted and dropped (also logged)

/**
 * Connect to the broker in the background and keep trying forever: the daemon keeps inspecting
 * and SQLite stays the record while the broker is away. Throws only for configuration errors
 * (bad topic prefix/station, unparseable URL).
 */
export function openPublisher(opts: PublisherOptions): Publisher {
  checkTopicParts(opts.topicPrefix, opts.station);
  checkUrl(opts.url);
  const { log } = opts, statusTopic = topicFor(opts.topicPrefix, opts.station, 'status');
  const clock = opts.clock ?? systemClock, wallNow = opts.wallNow ?? Date.now;
  const minDelay = opts.reconnectMinMs ?? 1_000;
  const maxDelay = Math.max(minDelay, opts.reconnectMaxMs ?? 30_000);
  const closeTimeoutMs = opts.closeTimeoutMs ?? 3_000;
  // Longer than the slowest retry: with two clients on one id, each connection lasts only until
  // the other retries, so neither ever looks stable and both stay backed off.
  const stableMs = opts.stableMs ?? 2 * maxDelay;
  const retained = new Map<string, string>();
  const c = {
    errors: 0,
    reconnects: 0,
    auth_failures: 0,
    stats_sent: 0,
    dropped: 0,
    commands: 0,
    connects: 0,
    heldFaults: 0,
    last_error: null as PublisherStats['last_error'],
  };
  let wasConnected = false;
  let closing: Promise<void> | null = null;
  let lastErrorLog = '';

  const noteError = (code: ErrorCode, err: unknown) => {
    c.errors++;
    const message = errorMessage(err);
    c.last_error = { code, message, ts: wallNow() };
    // A broker that is down fails every retry the same way: log each distinct failure once per outage.
    const key = `${code}:${message}`;
    if (key !== lastErrorLog) {
      lastErrorLog = key;
      log.warn({ code, err: message, url: opts.url }, code === 'MQTT_AUTH' ? 'MQTT broker refused our credentials' : 'MQTT error');
    }
  };

  const clientOpts: IClientOptions = {
    clientId: opts.clientId,
    username: opts.username,
    password: opts.password,
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    rejectUnauthorized: opts.rejectUnauthorized ?? true,
    // Our own outbox re-sends what matters; a clean session keeps the broker from hoarding for us.
    clean: true,
    keepalive: opts.keepaliveS ?? 30,
    reconnectPeriod: minDelay,
    // A refused CONNACK (bad password) would otherwise stop retrying for good; the password file may be fixed later.
    reconnectOnConnackError: true,
    connectTimeout: 10_000,
    // We subscribe ourselves on every connect (and decide whether to at all).
    resubscribe: false,
    // stats are QoS 0 and only sent while connected; never queue them in memory.
    queueQoSZero: false,
    will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
  };
  let client: MqttClient;
  try {
    client = (opts.connect ?? mqttConnect)(opts.url, clientOpts);
  } catch (err) {
    throw new InspectdError('MQTT_CONFIG', `cannot create MQTT client for ${opts.url}: ${errorMessage(err)}`, { url: opts.url }, { cause: err });
  }

  const pump = opts.store
    ? new DeliveryPump({
        store: opts.store,
        window: Math.max(1, opts.window ?? 32),
        pollMs: opts.pollMs ?? 1_000,
        clock,
        log,
        isConnected: () => client.connected && !client.disconnecting,
        send: (row, done) => client.publish(row.topic, row.payload, { qos: row.qos, retain: row.retain }, (err) => done(err ?? undefined)),
        onError: noteError,
      })
    : null;

  const send = (topic: string, payload: string, qos: 0 | 1, retain: boolean, cb?: (err?: Error) => void) => {
    try {
      client.publish(topic, payload, { qos, retain }, (err) => {
        if (err) noteError('MQTT_PUBLISH', err);
        cb?.(err ?? undefined);
      });
    } catch (err) {
      noteError('MQTT_PUBLISH', err);
      cb?.(err as Error);
    }
  };

  const watch = new ConnectionWatch({
    stableMs,
    // unref'd as before: a health check, nothing waits on it.
    timers: { setTimeout: (fn, ms) => unrefTimer(clock.setTimeout(fn, ms)), clearTimeout: (h) => clock.clearTimeout(h) },
    // The back-off resets only here, never on a connect that did not last.
    onStable: () => (client.options.reconnectPeriod = minDelay),
    onTakeover: (t: TakeoverInfo) => {
      const message = takeoverMessage(opts.clientId, t, maxDelay);
      c.errors++;
      c.last_error = { code: 'MQTT_SESSION_TAKEOVER', message, ts: wallNow() };
      // The fault listener logs it (the daemon's fault() does); logging here too would say it twice.
      if (opts.onFault) opts.onFault({ code: 'MQTT_SESSION_TAKEOVER', message, fatal: false });
      else log.error({ code: 'MQTT_SESSION_TAKEOVER', clientId: opts.clientId, url: opts.url, drops: t.drops }, message);
    },
  });

  client.on('connect', () => {
    c.connects++;
    if (c.connects > 1) c.reconnects++;
    wasConnected = true;
    lastErrorLog = '';
    watch.connected();
    log.info({ url: opts.url, clientId: opts.clientId, reconnects: c.reconnects }, 'MQTT connected');
    // Retained state first, so a dashboard sees `online` before any result.
    send(statusTopic, 'online', 1, true);
    for (const [topic, payload] of retained) send(topic, payload, 1, true);
    if (opts.commands !== false) {
      client.subscribe(commandFilter(opts.topicPrefix, opts.station), { qos: 1 }, (err) => {
        if (err) noteError('MQTT_SUBSCRIBE', err);
      });
    }
    pump?.kick();
  });

  client.on('reconnect', () => {
    // Back-off: mqtt.js reads reconnectPeriod each time it arms the next attempt.
    client.options.reconnectPeriod = Math.min(maxDelay, (client.options.reconnectPeriod ?? minDelay) * 2);
  });

  client.on('disconnect', (packet: { reasonCode?: number }) => watch.disconnected(packet.reasonCode));

  client.on('close', () => {
    watch.closed(closing !== null);
    if (wasConnected && !closing) {
      log.warn({ url: opts.url, pending: opts.store?.outboxPendingCount?.() }, 'MQTT disconnected; results wait in the outbox');
    }
    wasConnected = false;
  });

  client.on('error', (err: Error & { code?: number | string }) => {
    if (typeof err.code === 'number' && AUTH_CODES.has(err.code)) {
      c.auth_failures++;
      noteError('MQTT_AUTH', err);
    } else if (typeof err.code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|VERIFY/i.test(err.code)) {
      noteError('MQTT_TLS', err);
    } else {
      noteError('MQTT_CONNECTION', err);
    }
  });

  client.on('message', (topic, payload, packet) => {
    const name = parseCommandTopic(opts.topicPrefix, opts.station, topic);
    if (name === null || opts.commands === false) return;
    if (packet.retain) {
      // A retained command would re-run on every reconnect (e.g. `pause` forever): ignore it.
      log.warn({ topic }, 'ignoring retained MQTT command');
      return;
    }
    c.commands++;
    void answerCommand(name, payload, opts.onCommand, opts.commandTimeoutMs ?? 10_000, { clock, wallNow }).then((resp) => {
      if (!resp.ok) log.warn({ command: name, id: resp.id, error: resp.error }, 'MQTT command refused');
      send(topicFor(opts.topicPrefix, opts.station, 'response'), JSON.stringify(resp), 1, false);
    });
  });

  if (opts.watch) attachWatches(client, opts.watch, (err) => noteError('MQTT_SUBSCRIBE', err));
  pump?.start();

  const publisher: Publisher = {
    get connected() {
      return client.connected;
    },
    publishStats(s: StatsSnapshot) {
      if (closing || !client.connected) {
        c.dropped++;
        return;
      }
      c.stats_sent++;
      send(topicFor(opts.topicPrefix, opts.station, 'stats'), JSON.stringify(s), 0, false);
    },
    publishFault(f: FaultEvent) {
      if (closing || (!client.connected && c.heldFaults >= MAX_HELD_FAULTS)) {
        c.dropped++;
        return;
      }
      c.heldFaults++;
      send(topicFor(opts.topicPrefix, opts.station, 'fault'), JSON.stringify({ station: opts.station, ...f }), 1, false, () => c.heldFaults--);
    },
    publishState(name: string, payload: unknown) {
      if (!STATE_NAME.test(name) || RESERVED.has(name)) {
        noteError('MQTT_TOPIC', new Error(`invalid state name ${JSON.stringify(name)}`));
        return;
      }
      const topic = `${opts.topicPrefix}/${opts.station}/${name}`;
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      retained.set(topic, text);
      if (client.connected && !closing) send(topic, text, 1, true);
    },
    publishRetained(topic: string, payload: string) {
      if (!topic || /[#+]/.test(topic)) {
        noteError('MQTT_TOPIC', new Error(`invalid topic ${JSON.stringify(topic)}`));
        return;
      }
      retained.set(topic, payload);
      if (client.connected && !closing) send(topic, payload, 1, true);
    },
    kick: () => pump?.kick(),
    stats(): PublisherStats {
      return {
        connected: client.connected,
        published: pump?.published ?? 0,
        delivered: pump?.delivered ?? 0,
        pending: opts.store?.outboxPendingCount?.() ?? -1,
        inflight: pump?.inflight.size ?? 0,
        errors: c.errors,
        reconnects: c.reconnects,
        auth_failures: c.auth_failures,
        stats_sent: c.stats_sent,
        dropped: c.dropped,
        commands: c.commands,
        last_error: c.last_error,
      };
    },
    close() {
      closing ??= closeClient();
      return closing;
    },
  };

  async function closeClient(): Promise<void> {
    // Not unref'd: close() is awaited, and the process must not exit under it.
    const deadline = clock.now() + closeTimeoutMs;
    // Keep part of the budget for the `offline` PUBACK and the DISCONNECT.
    const drainDeadline = deadline - Math.min(1_000, closeTimeoutMs / 3);
    try {
      if (client.connected) {
        const drained = (await pump?.drain(drainDeadline)) ?? true;
        if (!drained) log.warn({ pending: opts.store?.outboxPendingCount?.() }, 'MQTT close: outbox not drained in time; it stays in SQLite for the next start');
        // A clean DISCONNECT suppresses the will, so say `offline` ourselves.
        await settleWithin(new Promise<void>((resolve) => send(statusTopic, 'offline', 1, true, () => resolve())), deadline - clock.now(), clock);
      }
    } catch (err) {
      noteError('MQTT_CLOSE', err);
    }
    pump?.stop();
    watch.stop();
    // end(false) waits for every in-flight PUBACK; past the deadline cut the socket (the broker
    // then sends the will, which says `offline` too).
    const ended = (await settleWithin(new Promise<void>((resolve) => client.end(false, {}, () => resolve())), Math.max(deadline - clock.now(), 200), clock)) === 'done';
    if (!ended) client.stream?.destroy();
    log.info({ published: pump?.published ?? 0, delivered: pump?.delivered ?? 0 }, 'MQTT closed');
  }

  return publisher;
}

/** mqtt.js quietly falls back to TCP for an unknown scheme; a typo must fail at start instead. */
function checkUrl(url: string): void {
  const problem = mqttUrlProblem(url);
  if (problem) throw new InspectdError('MQTT_CONFIG', `MQTT URL: ${problem}`, { url });
}
