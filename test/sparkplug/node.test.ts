/**
 * The Sparkplug B edge node against a real mosquitto, every message decoded with the
 * sparkplug-payload package's decoder (the one SCADA hosts built on Eclipse Tahu use).
 */
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import sparkplug from 'sparkplug-payload';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { InspectionResult, Verdict } from '../../src/events/types.js';
import { openSparkplugNode, type SparkplugNode } from '../../src/sparkplug/node.js';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';

const codec = sparkplug.get('spBv1.0')!;
const log = pino({ level: 'silent' });
// A node id per test: the previous test's closing NDEATH may still be on its way to the host.
let nodeNo = 0;
let ids = { group: 'plant1', node: 'cell7', device: 'inspection' };

interface Msg {
  topic: string;
  type: string;
  seq: number | null;
  metrics: Record<string, unknown>;
}

function result(seq: number, verdict: Verdict, score: number | null): InspectionResult {
  return { station: 'cell7', seq, ts: Date.now(), source: 'test', score, score_rule: 'combo', ssim: null, threshold: 0.8, verdict, latency_ms: 3, stages: { preprocess_ms: 1, infer_ms: 1, score_ms: 1 } };
}

/** Subscribes to everything under spBv1.0 and decodes it (Long values as numbers, null metrics as null). */
async function host(url: string): Promise<{ client: MqttClient; msgs: Msg[]; mine: () => Msg[]; of: (type: string) => Msg[] }> {
  const client = mqttConnect(url, { clientId: `host-${process.pid}-${Math.random()}`, reconnectPeriod: 0 });
  const msgs: Msg[] = [];
  client.on('message', (topic, payload) => {
    if (topic.includes('/NCMD/')) return; // the tests' own commands (one is deliberately not Sparkplug)
    const p = codec.decodePayload(payload);
    const metrics: Record<string, unknown> = {};
    for (const m of p.metrics ?? []) metrics[m.name!] = m.isNull ? null : typeof m.value === 'object' && m.value !== null && 'low' in m.value ? Number(m.value) : m.value;
    msgs.push({ topic, type: topic.split('/')[2], seq: p.seq === undefined || p.seq === null ? null : Number(p.seq), metrics });
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe('spBv1.0/#', { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    client.once('error', reject);
  });
  const mine = () => msgs.filter((m) => m.topic.split('/')[3] === ids.node);
  return { client, msgs, mine, of: (type) => mine().filter((m) => m.type === type) };
}

describe('Sparkplug B edge node (real mosquitto, sparkplug-payload decoder)', () => {
  let broker: Broker;
  let h: Awaited<ReturnType<typeof host>>;
  let node: SparkplugNode | undefined;
  let raw: MqttClient | undefined;
  let stored: number | null;
  const bdSeqStore = { load: () => stored, save: (n: number) => void (stored = n) };
  const start = (bus: EventBus) => {
    ids = { ...ids, node: `cell7-${++nodeNo}` };
    return openSparkplugNode({
      url: broker.url, clientId: 'inspectd-cell7-spb', ids, station: 'cell7', bus, bdSeqStore, log, reconnectMs: 200,
      connect: (url: string, opts: IClientOptions) => (raw = mqttConnect(url, opts)),
    });
  };

  beforeAll(async () => {
    broker = await startMosquitto();
    h = await host(broker.url);
  });
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });
  afterAll(async () => {
    h?.client.end(true);
    await broker?.close();
  });

  it('births in order (NBIRTH seq 0 with bdSeq, then DBIRTH seq 1 with every metric), then DDATA per result', async () => {
    stored = 6; // the last run's bdSeq: this run must use the next one
    const bus = new EventBus();
    node = start(bus);
    await waitFor(() => h.of('DBIRTH').length === 1, 'DBIRTH');
    const [nb] = h.of('NBIRTH');
    const [db] = h.of('DBIRTH');
    expect(h.mine().map((m) => m.type)).toEqual(['NBIRTH', 'DBIRTH']);
    expect(nb.topic).toBe(`spBv1.0/plant1/NBIRTH/${ids.node}`);
    expect(nb.seq).toBe(0);
    expect(nb.metrics).toMatchObject({ bdSeq: 7, 'Node Control/Rebirth': false, 'Properties/Station': 'cell7' });
    expect(stored).toBe(7);
    expect(db.topic).toBe(`spBv1.0/plant1/DBIRTH/${ids.node}/inspection`);
    expect(db.seq).toBe(1);
    expect(db.metrics).toEqual({
      'Counts/Inspected': 0, 'Counts/Passed': 0, 'Counts/Rejected': 0, 'Counts/Errors': 0, 'Counts/Reject Rate': 0,
      'Last/Seq': null, 'Last/Verdict': null, 'Last/Score': null, 'Last/Threshold': null,
    });

    bus.emit('inspected', result(1, 'pass', 0.93));
    await node.flushed();
    bus.emit('inspected', result(2, 'reject', 0.31));
    await node.flushed();
    bus.emit('inspected', result(3, 'error', null));
    await waitFor(() => h.of('DDATA').length === 3, 'three DDATA');
    const dd = h.of('DDATA');
    expect(dd.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(dd[1].metrics).toMatchObject({ 'Counts/Inspected': 2, 'Counts/Rejected': 1, 'Last/Verdict': 'reject', 'Last/Score': 0.31, 'Last/Seq': 2, 'Counts/Reject Rate': 50 });
    expect(dd[2].metrics).toMatchObject({ 'Counts/Inspected': 3, 'Counts/Errors': 1, 'Counts/Passed': 1, 'Last/Verdict': 'error', 'Last/Score': null });
  });

  it('seq runs 0..255 and wraps to 0, over births and data', async () => {
    stored = null;
    const bus = new EventBus();
    node = start(bus);
    await waitFor(() => h.of('DBIRTH').length === 1, 'DBIRTH');
    for (let i = 1; i <= 300; i++) {
      bus.emit('inspected', result(i, i % 10 ? 'pass' : 'reject', 0.9));
      await node.flushed(); // one DDATA per result (results in one tick share one DDATA)
    }
    await waitFor(() => h.of('DDATA').length === 300, '300 DDATA');
    const seqs = h.mine().filter((m) => m.type !== 'NDEATH').map((m) => m.seq);
    expect(seqs.length).toBe(302);
    seqs.forEach((s, i) => expect(s).toBe(i % 256));
    expect(seqs).toContain(255);
    expect(h.of('NBIRTH')[0].metrics.bdSeq).toBe(0);
  });

  it('rebirths on NCMD "Node Control/Rebirth": NBIRTH seq 0 with the same bdSeq, DBIRTH with the current counts', async () => {
    stored = 40;
    const bus = new EventBus();
    node = start(bus);
    await waitFor(() => h.of('DBIRTH').length === 1, 'DBIRTH');
    bus.emit('inspected', result(9, 'reject', 0.2));
    await waitFor(() => h.of('DDATA').length === 1, 'DDATA');
    const cmd = Buffer.from(codec.encodePayload({ timestamp: Date.now(), metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] }));
    h.client.publish(`spBv1.0/plant1/NCMD/${ids.node}`, cmd, { qos: 1 });
    await waitFor(() => h.of('DBIRTH').length === 2, 'second DBIRTH');
    const [, nb2] = h.of('NBIRTH');
    const [, db2] = h.of('DBIRTH');
    expect(nb2.seq).toBe(0);
    expect(nb2.metrics.bdSeq).toBe(41);
    expect(db2.seq).toBe(1);
    expect(db2.metrics).toMatchObject({ 'Counts/Inspected': 1, 'Counts/Rejected': 1, 'Last/Verdict': 'reject' });
    // A payload that is not Sparkplug is counted and ignored, not fatal.
    h.client.publish(`spBv1.0/plant1/NCMD/${ids.node}`, Buffer.from([0xff, 0xff, 0xff]), { qos: 1 });
    await waitFor(() => node!.stats().bad_commands === 1, 'bad NCMD counted');
    expect(h.of('NBIRTH').length).toBe(2);
  });

  it('abrupt disconnect: the broker publishes NDEATH (the will) with the bdSeq of the NBIRTH; the reconnect births with the next bdSeq', async () => {
    stored = 255;
    const bus = new EventBus();
    node = start(bus);
    await waitFor(() => h.of('DBIRTH').length === 1, 'DBIRTH');
    expect(h.of('NBIRTH')[0].metrics.bdSeq).toBe(0); // 255 wraps to 0
    raw!.stream.destroy(); // no DISCONNECT packet: the broker sees a dropped connection
    await waitFor(() => h.of('NDEATH').length === 1, 'NDEATH from the will');
    const [nd] = h.of('NDEATH');
    expect(nd.topic).toBe(`spBv1.0/plant1/NDEATH/${ids.node}`);
    expect(nd.seq).toBeNull();
    expect(nd.metrics).toEqual({ bdSeq: 0 });
    await waitFor(() => h.of('NBIRTH').length === 2, 'NBIRTH after the reconnect');
    expect(h.of('NBIRTH')[1].metrics.bdSeq).toBe(1);
    expect(stored).toBe(1);
    // The new connection's will carries the new bdSeq.
    raw!.stream.destroy();
    await waitFor(() => h.of('NDEATH').length === 2, 'second NDEATH');
    expect(h.of('NDEATH')[1].metrics).toEqual({ bdSeq: 1 });
  });

  it('a clean stop publishes NDEATH itself (a clean DISCONNECT suppresses the will)', async () => {
    stored = 3;
    node = start(new EventBus());
    await waitFor(() => h.of('DBIRTH').length === 1, 'DBIRTH');
    await node.close();
    await waitFor(() => h.of('NDEATH').length === 1, 'NDEATH on close');
    expect(h.of('NDEATH')[0].metrics).toEqual({ bdSeq: 4 });
  });
});
