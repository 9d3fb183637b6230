import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPublisher } from '../../src/publish/mqtt.js';
import { outboxTopics } from '../../src/publish/topics.js';
import type { CommandHandler, Publisher, PublisherOptions } from '../../src/publish/types.js';
import { openStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { freePort, startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { recordingLog, result, tempDir } from '../store/fixtures.js';
import { capturingConnect, subscriber } from './clients.js';

let broker: Broker;
let dir: string;
let cleanupDir: () => Promise<void>;
const closers: Array<() => Promise<unknown>> = [];
let n = 0;

beforeAll(async () => {
  broker = await startMosquitto();
  ({ dir, cleanup: cleanupDir } = await tempDir());
});
afterEach(async () => {
  // Reverse order: publishers before their stores, subscribers last.
  while (closers.length) await closers.pop()!().catch(() => undefined);
});
afterAll(async () => {
  await broker?.close();
  await cleanupDir?.();
});

/** Each test gets its own station, so retained messages of one never leak into another. */
function station() {
  return `st${++n}`;
}

function pub(st: string, over: Partial<PublisherOptions> = {}) {
  const log = recordingLog();
  const p = openPublisher({ url: broker.url, clientId: `inspectd-${st}`, station: st, topicPrefix: 'test', log, reconnectMinMs: 100, reconnectMaxMs: 400, ...over });
  closers.push(() => p.close());
  return { p, log };
}

async function sub(topics: string[], opts = {}) {
  const s = await subscriber(broker.url, topics, opts);
  closers.unshift(() => s.close());
  return s;
}

async function store(st: string) {
  const s = await openStore({
    database: join(dir, `${st}.db`),
    imagesDir: join(dir, `${st}-img`),
    retentionDays: 0,
    imagesQuotaMb: 1,
    flushMs: 20,
    topicsFor: outboxTopics('test'),
    log: recordingLog(),
  });
  closers.push(() => s.close());
  return s;
}

const connected = (p: Publisher) => waitFor(() => p.connected, 'publisher connected');

describe('MQTT publisher against mosquitto', () => {
  it('publishes retained `online` on connect and retained `offline` on close (clean DISCONNECT, not the will)', async () => {
    const st = station();
    const { p } = pub(st);
    await connected(p);
    const s1 = await sub([`test/${st}/status`]);
    await waitFor(() => s1.msgs.length > 0, 'retained status');
    expect(s1.msgs[0]).toEqual({ topic: `test/${st}/status`, payload: 'online', retain: true });
    await p.close();
    expect(p.connected).toBe(false);
    await waitFor(() => s1.msgs.length > 1, 'offline');
    expect(s1.msgs[1].payload).toBe('offline');
    const s2 = await sub([`test/${st}/status`]);
    await waitFor(() => s2.msgs.length > 0, 'retained offline');
    expect(s2.msgs).toEqual([{ topic: `test/${st}/status`, payload: 'offline', retain: true }]);
    // mosquitto logs a clean DISCONNECT as "disconnected."; a lost socket as "closed its connection" / socket error.
    expect(broker.log()).toMatch(new RegExp(`Client inspectd-${st} disconnected\\.`));
  });

  it('the broker publishes the Last-Will `offline` when the connection dies abruptly', async () => {
    const st = station();
    const cap = capturingConnect();
    // Long back-off so it stays away after the cut.
    const { p } = pub(st, { connect: cap.connect, reconnectMinMs: 60_000, reconnectMaxMs: 60_000 });
    await connected(p);
    const s = await sub([`test/${st}/status`]);
    await waitFor(() => s.msgs.some((m) => m.payload === 'online'), 'online');
    cap.state.client!.stream.destroy(); // as if the process were killed or the cable pulled
    await waitFor(() => s.msgs.some((m) => m.payload === 'offline'), 'will message');
    await waitFor(() => !p.connected, 'publisher sees the loss');
    const late = await sub([`test/${st}/status`]);
    await waitFor(() => late.msgs.length > 0, 'retained will');
    expect(late.msgs[0]).toMatchObject({ payload: 'offline', retain: true });
    await p.close(); // not connected: ends at once, never throws
  });

  it('delivers outbox results and alerts in seq order and marks each delivered on PUBACK', async () => {
    const st = station();
    const s = await sub([`test/${st}/result`, `test/${st}/alert`]);
    const db = await store(st);
    const { p } = pub(st, { store: db, window: 8 });
    await connected(p);
    const N = 120;
    for (let i = 1; i <= N; i++) db.record(result(i, { station: st, verdict: i % 10 === 0 ? 'reject' : 'pass' }));
    db.flush();
    await waitFor(() => s.on(`test/${st}/result`).length >= N && s.on(`test/${st}/alert`).length >= N / 10, 'all messages');
    await waitFor(() => db.outboxPendingCount() === 0, 'all marked delivered');
    expect(s.on(`test/${st}/result`).map((m) => JSON.parse(m.payload).seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(s.on(`test/${st}/alert`).map((m) => JSON.parse(m.payload).seq)).toEqual(Array.from({ length: N / 10 }, (_, i) => (i + 1) * 10));
    expect(p.stats()).toMatchObject({ connected: true, published: N + N / 10, delivered: N + N / 10, pending: 0, inflight: 0 });
    const raw = new Database(join(dir, `${st}.db`), { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM outbox WHERE delivered_ts IS NULL').pluck().get()).toBe(0);
    expect(raw.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(N + N / 10);
    raw.close();
  });

  it('close() drains what is still pending before saying offline', async () => {
    const st = station();
    const s = await sub([`test/${st}/result`]);
    const db = await store(st);
    const { p } = pub(st, { store: db });
    await connected(p);
    for (let i = 1; i <= 40; i++) db.record(result(i, { station: st }));
    db.flush();
    await p.close();
    expect(db.outboxPendingCount()).toBe(0);
    await waitFor(() => s.msgs.length >= 40, 'drained results');
    expect(s.msgs.map((m) => JSON.parse(m.payload).seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('stats go out at QoS 0 while connected and are counted as dropped while not; faults at QoS 1', async () => {
    const st = station();
    const s = await sub([`test/${st}/stats`, `test/${st}/fault`]);
    const { p } = pub(st);
    const snap = { station: st, ts: 1, inspected: 10, passed: 9, rejected: 1, errors: 0, dropped: 0, fps: 30, latency_p50_ms: 3, latency_p99_ms: 9 };
    await connected(p);
    p.publishStats(snap);
    p.publishFault({ code: 'CAMERA_RESTART', message: 'ffmpeg exited (code 1); restarting in 2 s', fatal: false, ts: 2 });
    await waitFor(() => s.msgs.length === 2, 'stats and fault');
    expect(JSON.parse(s.on(`test/${st}/stats`)[0].payload)).toEqual(snap);
    expect(JSON.parse(s.on(`test/${st}/fault`)[0].payload)).toEqual({ station: st, code: 'CAMERA_RESTART', message: 'ffmpeg exited (code 1); restarting in 2 s', fatal: false, ts: 2 });
    await p.close();
    p.publishStats(snap);
    expect(p.stats()).toMatchObject({ stats_sent: 1, dropped: 1 });
  });

  it('re-publishes retained state after a reconnect (the broker forgot it)', async () => {
    const st = station();
    const cap = capturingConnect();
    const { p } = pub(st, { connect: cap.connect });
    await connected(p);
    p.publishState('threshold', { value: 0.61, source: 'mqtt' });
    await broker.stop(); // persistence false: retained messages are gone with it
    await waitFor(() => !p.connected, 'disconnect seen');
    await broker.start();
    await waitFor(() => p.connected && p.stats().reconnects === 1, 'reconnected');
    // The back-off resets once the new connection stayed up for stableMs (default 2 × max), not at the connect.
    await waitFor(() => cap.state.client!.options.reconnectPeriod === 100, 'back-off reset after a stable connection');
    const s = await sub([`test/${st}/status`, `test/${st}/threshold`]);
    await waitFor(() => s.msgs.length >= 2, 'retained state');
    expect(s.msgs.map((m) => [m.topic, m.payload, m.retain]).sort()).toEqual([
      [`test/${st}/status`, 'online', true],
      [`test/${st}/threshold`, JSON.stringify({ value: 0.61, source: 'mqtt' }), true],
    ]);
  });

  it('never throws while the broker is unreachable, and closes promptly', async () => {
    const port = await freePort(); // nothing listens there
    const log = recordingLog();
    const db = await store(station());
    const cap = capturingConnect();
    const p = openPublisher({ url: `mqtt://127.0.0.1:${port}`, clientId: 'nobody', station: 'down', topicPrefix: 'test', log, store: db, reconnectMinMs: 20, reconnectMaxMs: 160, connect: cap.connect });
    db.record(result(1, { station: 'down' }));
    db.flush();
    p.publishStats({ station: 'down', ts: 1, inspected: 1, passed: 1, rejected: 0, errors: 0, dropped: 0, fps: 1, latency_p50_ms: 1, latency_p99_ms: 1 });
    p.publishFault({ code: 'CAMERA_STALLED', message: 'x', fatal: false, ts: 1 });
    await waitFor(() => p.stats().errors >= 6, 'connection errors counted');
    // Back-off: the retry period doubled per failed attempt, up to the max (20 → 40 → 80 → 160).
    expect(cap.state.client!.options.reconnectPeriod).toBe(160);
    expect(p.stats()).toMatchObject({ connected: false, published: 0, delivered: 0, pending: 1 });
    expect(p.stats().last_error?.code).toBe('MQTT_CONNECTION');
    // A refused connection repeats every retry; it is logged once, not per attempt.
    expect(log.entries.filter((e) => e.obj.code === 'MQTT_CONNECTION').length).toBe(1);
    await p.close();
    expect(db.outboxPendingCount()).toBe(1); // still in SQLite for later
  });
});

describe('MQTT publisher configuration errors', () => {
  it('throws only for configuration it can never work with', () => {
    const base = { clientId: 'x', station: 'st', topicPrefix: 'test', log: recordingLog() };
    expect(() => openPublisher({ ...base, url: 'gopher://127.0.0.1:1' })).toThrow(expect.objectContaining({ code: 'MQTT_CONFIG' }));
    expect(() => openPublisher({ ...base, url: 'localhost:1883' })).toThrow(expect.objectContaining({ code: 'MQTT_CONFIG' }));
    expect(() => openPublisher({ ...base, url: broker.url, topicPrefix: 'a/#' })).toThrow(expect.objectContaining({ code: 'MQTT_TOPIC' }));
    expect(() => openPublisher({ ...base, url: broker.url, station: 'a/b' })).toThrow(expect.objectContaining({ code: 'MQTT_TOPIC' }));
  });
});

describe('MQTT commands', () => {
  it('answers on /response with the request id; bad JSON gets an error response and nothing breaks', async () => {
    const st = station();
    const calls: Array<[string, Record<string, unknown>]> = [];
    const onCommand: CommandHandler = async (name, body) => {
      calls.push([name, body]);
      if (name === 'threshold' && typeof body.value !== 'number') return { ok: false, error: 'value must be a number' };
      return { ok: true, applied: body.value ?? null };
    };
    const cap = capturingConnect();
    const { p } = pub(st, { onCommand, connect: cap.connect });
    const s = await sub([`test/${st}/response`]);
    await waitFor(() => cap.state.subacks > 0, 'command subscription');
    expect(cap.state.subscribed).toEqual([`test/${st}/set/+`]);
    const send = (name: string, text: string) => s.client.publishAsync(`test/${st}/set/${name}`, text, { qos: 1 });
    await send('threshold', '{"id":"t-1","value":0.55}');
    await send('threshold', '{"id": "t-2", "value": ');
    await send('threshold', '{"id":"t-3","value":"high"}');
    await send('pause', '');
    await waitFor(() => s.msgs.length === 4, 'four responses');
    const resp = s.msgs.map((m) => JSON.parse(m.payload));
    expect(resp[0]).toMatchObject({ id: 't-1', command: 'threshold', ok: true, applied: 0.55 });
    expect(resp[1]).toMatchObject({ id: null, command: 'threshold', ok: false, error: expect.stringMatching(/invalid JSON/) });
    expect(resp[2]).toMatchObject({ id: 't-3', ok: false, error: 'value must be a number' });
    expect(resp[3]).toMatchObject({ id: null, command: 'pause', ok: true });
    expect(calls.map((c) => c[0])).toEqual(['threshold', 'threshold', 'pause']); // bad JSON never reached the handler
    expect(p.connected).toBe(true);
    expect(p.stats().commands).toBe(4);
  });

  it('ignores a retained command (it would re-run on every reconnect)', async () => {
    const st = station();
    const s = await sub([`test/${st}/response`]);
    await s.client.publishAsync(`test/${st}/set/pause`, '{"id":"stale"}', { qos: 1, retain: true });
    const calls: unknown[] = [];
    const cap = capturingConnect();
    pub(st, { connect: cap.connect, onCommand: async (_n, body) => (calls.push(body.id), { ok: true }) });
    await waitFor(() => cap.state.subacks > 0, 'command subscription');
    await s.client.publishAsync(`test/${st}/set/pause`, '{"id":"fresh"}', { qos: 1 });
    await waitFor(() => s.msgs.length === 1, 'one response');
    expect(calls).toEqual(['fresh']);
    expect(JSON.parse(s.msgs[0].payload).id).toBe('fresh');
    await s.client.publishAsync(`test/${st}/set/pause`, '', { qos: 1, retain: true }); // clear it
  });

  it('commands: false never subscribes', async () => {
    const st = station();
    const cap = capturingConnect();
    const { p } = pub(st, { commands: false, connect: cap.connect, onCommand: async () => ({ ok: true }) });
    await connected(p);
    const s = await sub([`test/${st}/status`]);
    await waitFor(() => s.msgs.length > 0, 'online seen');
    expect(cap.state.subscribed).toEqual([]);
  });
});
