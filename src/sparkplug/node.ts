import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import sparkplug from 'sparkplug-payload';
import { errorMessage } from '../platform/index.js';
import type { EventBus } from '../events/index.js';
import { applyResult, initialState, type ResultState } from '../events/index.js';
import type { SinkLog } from '../store/index.js';
import { SeqCounter, deviceMetrics, isRebirth, nextBdSeq, nodeBirth, nodeDeath, topics, type Payload, type SparkplugIds } from './payloads.js';

/**
 * A Sparkplug B edge node (one station) with one device (its inspection), on its own MQTT
 * connection: the NDEATH must be that connection's will, and the station's other connection
 * already has `status: offline` as its will. Results only mark the device "dirty" here; the DDATA
 * goes out on the next turn of the event loop, so nothing of this runs on the reject path.
 */

const codec = sparkplug.get('spBv1.0')!;

export interface SparkplugOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  ids: SparkplugIds;
  station: string;
  bus: EventBus;
  /** Where bdSeq lives between runs, so a restarted node never reuses the last run's bdSeq. */
  bdSeqStore: { load(): number | null; save(bdSeq: number): void };
  log: SinkLog;
  keepaliveS?: number;
  reconnectMs?: number;
  now?: () => number;
  /** Injected mqtt.connect (tests reach the real client through it). */
  connect?: (url: string, opts: IClientOptions) => MqttClient;
}

export interface SparkplugStats {
  connected: boolean;
  bdSeq: number;
  births: number;
  ddata: number;
  /** Results not sent because the broker was away (the next DBIRTH carries the state). */
  skipped: number;
  bad_commands: number;
}

export interface SparkplugNode {
  stats(): SparkplugStats;
  /** Resolves once a pending DDATA has been handed to the MQTT client. */
  flushed(): Promise<void>;
  /** Publish NDEATH ourselves (a clean DISCONNECT suppresses the will), then disconnect. Idempotent. */
  close(): Promise<void>;
}

export function openSparkplugNode(o: SparkplugOptions): SparkplugNode {
  const now = o.now ?? Date.now;
  const t = topics(o.ids);
  const seq = new SeqCounter();
  const c = { births: 0, ddata: 0, skipped: 0, bad_commands: 0 };
  let state: ResultState = { ...initialState };
  let birthed = false;
  // A broker that is away fails every retry the same way: each distinct error is logged once per outage.
  let lastError = '';
  let bdSeq = nextBdSeq(o.bdSeqStore.load());
  o.bdSeqStore.save(bdSeq);

  const encode = (p: Payload): Buffer => Buffer.from(codec.encodePayload(p as Parameters<typeof codec.encodePayload>[0]));
  const will = () => ({ topic: t.ndeath, payload: encode(nodeDeath(bdSeq, now())), qos: 1 as const, retain: false });
  const client = (o.connect ?? mqttConnect)(o.url, {
    clientId: o.clientId, username: o.username, password: o.password, ca: o.ca, cert: o.cert, key: o.key,
    // Sparkplug B: a clean session, and births (not the broker) restore the host's view.
    clean: true,
    keepalive: o.keepaliveS ?? 30,
    reconnectPeriod: o.reconnectMs ?? 2_000,
    reconnectOnConnackError: true,
    connectTimeout: 10_000,
    resubscribe: false,
    queueQoSZero: false,
    will: will(),
  });

  // Every CONNECT carries a new bdSeq (the broker may still publish the old will later: the
  // host matches an NDEATH to its NBIRTH by bdSeq). mqtt.js reads options.will at each CONNECT.
  client.on('reconnect', () => {
    bdSeq = nextBdSeq(bdSeq);
    o.bdSeqStore.save(bdSeq);
    client.options.will = will();
  });

  const births = (): void => {
    const ts = now();
    client.publish(t.nbirth, encode({ ...nodeBirth(bdSeq, o.station, ts), seq: seq.birth() }), { qos: 0 });
    client.publish(t.dbirth, encode({ timestamp: ts, seq: seq.next(), metrics: deviceMetrics(state, ts) }), { qos: 0 });
    birthed = true;
    c.births++;
  };

  client.on('connect', () => {
    birthed = false;
    lastError = '';
    // NCMD before NBIRTH (Sparkplug B), so a rebirth request right after the birth is not lost.
    client.subscribe(t.ncmd, { qos: 1 }, (err) => {
      if (err) o.log.warn({ err: errorMessage(err) }, 'Sparkplug: cannot subscribe to NCMD (no rebirth on request)');
      if (client.connected) births();
    });
    o.log.info({ bdSeq, node: o.ids.node, group: o.ids.group }, 'Sparkplug B node online');
  });
  client.on('close', () => (birthed = false));
  client.on('error', (err) => {
    const msg = errorMessage(err);
    if (msg !== lastError) o.log.warn({ err: msg }, 'Sparkplug MQTT error');
    lastError = msg;
  });
  client.on('message', (topic, payload) => {
    if (topic !== t.ncmd) return;
    let p: ReturnType<typeof codec.decodePayload>;
    try {
      p = codec.decodePayload(payload);
    } catch (err) {
      c.bad_commands++;
      o.log.warn({ err: errorMessage(err) }, 'Sparkplug: NCMD is not a Sparkplug B payload (ignored)');
      return;
    }
    if (isRebirth(p)) {
      o.log.info({}, 'Sparkplug: rebirth requested');
      births();
    }
  });

  let scheduled = false;
  const waiters: Array<() => void> = [];
  const flush = (): void => {
    scheduled = false;
    if (birthed && client.connected) {
      const ts = now();
      client.publish(t.ddata, encode({ timestamp: ts, seq: seq.next(), metrics: deviceMetrics(state, ts) }), { qos: 0 });
      c.ddata++;
    } else {
      c.skipped++;
    }
    for (const w of waiters.splice(0)) w();
  };
  const off = o.bus.on('inspected', 'sparkplug', (r) => {
    state = applyResult(state, r);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });

  let closing: Promise<void> | null = null;
  return {
    stats: () => ({ connected: client.connected, bdSeq, ...c }),
    flushed: () => (scheduled ? new Promise<void>((r) => waiters.push(r)) : Promise.resolve()),
    close() {
      closing ??= new Promise<void>((resolve) => {
        off();
        const end = () => client.end(false, {}, () => resolve());
        // Bounded: a broker that never answers must not hold up the stop.
        const force = setTimeout(() => client.end(true, {}, () => resolve()), 2_000);
        force.unref();
        if (!client.connected) return client.end(true, {}, () => resolve());
        client.publish(t.ndeath, encode(nodeDeath(bdSeq, now())), { qos: 1 }, () => end());
      });
      return closing;
    },
  };
}
