/**
 * Two clients with one client id: the broker drops the older whenever the other connects. The
 * watch (fake clock, exact) and then two real publishers on a real mosquitto: the fault is raised
 * once, and the connect rate settles to about one per reconnectMaxMs instead of flapping at
 * reconnectMinMs. Counts over a window only bound from above, so a slow machine cannot fail them.
 */
import { createServer, type AddressInfo } from 'node:net';
import { connect as mqttConnect, type IClientOptions } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPublisher } from '../../src/publish/mqtt.js';
import { ConnectionWatch, SESSION_TAKEN_OVER, type TakeoverInfo } from '../../src/publish/takeover.js';
import type { Publisher, PublisherOptions } from '../../src/publish/types.js';
import { FakeClock } from '../fakes/clock.js';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { recordingLog } from '../store/fixtures.js';
import { subscriber } from './clients.js';

describe('ConnectionWatch (fake clock)', () => {
  function setup(stableMs = 1_000) {
    const clock = new FakeClock(0);
    const reports: TakeoverInfo[] = [];
    let stable = 0;
    const w = new ConnectionWatch({ stableMs, timers: clock, onTakeover: (t) => reports.push(t), onStable: () => stable++ });
    return { clock, w, reports, stable: () => stable };
  }

  it('three connections in a row ended before turning stable: reported once, with the count', () => {
    const { clock, w, reports, stable } = setup();
    for (let i = 0; i < 6; i++) {
      w.connected();
      clock.advance(999);
      w.closed(false);
      clock.advance(5_000); // a long back-off between attempts changes nothing: only uptime counts
    }
    expect(reports).toEqual([{ drops: 3, confirmed: false }]);
    expect(w.shortDrops).toBe(6);
    expect(stable()).toBe(0);
  });

  it('MQTT 5 reason 0x8E is reported at the first drop', () => {
    const { w, reports } = setup();
    w.connected();
    w.disconnected(SESSION_TAKEN_OVER);
    w.closed(false);
    expect(reports).toEqual([{ drops: 1, confirmed: true }]);
  });

  it('another DISCONNECT reason is only a short drop', () => {
    const { w, reports } = setup();
    w.connected();
    w.disconnected(0x8b); // server shutting down
    w.closed(false);
    expect(reports).toEqual([]);
    expect(w.shortDrops).toBe(1);
  });

  it('a connection that stayed up for stableMs ends the episode: back-off reset, a later takeover reported again', () => {
    const { clock, w, reports, stable } = setup();
    for (let i = 0; i < 3; i++) {
      w.connected();
      clock.advance(10);
      w.closed(false);
    }
    expect(reports).toHaveLength(1);
    w.connected();
    clock.advance(1_000);
    expect(stable()).toBe(1);
    expect(w.shortDrops).toBe(0);
    w.closed(false); // after turning stable: not a short drop
    expect(w.shortDrops).toBe(0);
    for (let i = 0; i < 3; i++) {
      w.connected();
      clock.advance(10);
      w.closed(false);
    }
    expect(reports).toHaveLength(2);
  });

  it('our own close and failed connect attempts are not drops', () => {
    const { clock, w, reports } = setup();
    w.connected();
    clock.advance(10);
    w.closed(true);
    for (let i = 0; i < 5; i++) w.closed(false); // attempts that never got a CONNACK
    expect(w.shortDrops).toBe(0);
    expect(reports).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});

describe('two real publishers with one client id on a real mosquitto', () => {
  let broker: Broker;
  const closers: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterEach(async () => {
    while (closers.length) await closers.pop()!().catch(() => undefined);
  });
  afterAll(async () => {
    await broker?.close();
  });

  const MIN = 20;
  const MAX = 2_000;

  /** A publisher wired like the daemon: its faults go out on its own `fault` topic. */
  function station(name: string, clientId: string, over: Partial<PublisherOptions> = {}) {
    const log = recordingLog();
    const faults: Array<{ code: string; message: string }> = [];
    let connects = 0;
    const connect = (url: string, o: IClientOptions) => {
      const c = (over.connect ?? mqttConnect)(url, o);
      c.on('connect', () => connects++);
      return c;
    };
    const p: Publisher = openPublisher({
      url: broker.url, clientId, station: name, topicPrefix: 'tk', log, reconnectMinMs: MIN, reconnectMaxMs: MAX, ...over, connect,
      onFault: (f) => {
        faults.push(f);
        p.publishFault({ ...f, ts: Date.now() });
      },
    });
    closers.push(() => p.close());
    return { p, log, faults, connects: () => connects };
  }

  it('MQTT 3.1.1: the fault is raised once per station and published; connects stay near one per reconnectMaxMs', async () => {
    const s = await subscriber(broker.url, ['tk/+/fault']);
    closers.unshift(() => s.close());
    const a = station('st-a', 'same-id');
    await waitFor(() => a.p.connected, 'first station connected');
    const b = station('st-b', 'same-id');
    const total = () => a.connects() + b.connects();
    await waitFor(() => a.faults.length > 0 && b.faults.length > 0, 'both stations report the takeover', 30_000);
    for (const st of [a, b]) {
      expect(st.faults[0].code).toBe('MQTT_SESSION_TAKEOVER');
      expect(st.faults[0].message).toMatch(/^MQTT client id 'same-id' is in use by another client: the broker ended 3 connection\(s\) in a row/);
      expect(st.faults[0].message).toMatch(/two stations have the same mqtt\.client_id/);
      // With a fault listener the listener logs it: nothing is said twice.
      expect(st.log.entries.filter((e) => e.obj.code === 'MQTT_SESSION_TAKEOVER')).toEqual([]);
      expect(st.p.stats().last_error?.code).toBe('MQTT_SESSION_TAKEOVER');
    }
    await waitFor(() => ['st-a', 'st-b'].every((n) => s.on(`tk/${n}/fault`).length > 0), 'both faults published on MQTT', 30_000);
    expect(JSON.parse(s.on('tk/st-a/fault')[0].payload)).toMatchObject({ station: 'st-a', code: 'MQTT_SESSION_TAKEOVER', fatal: false });

    // The back-off has had time to grow (20 ms doubles to 2 s within ~8 connects each), then count.
    await waitFor(() => total() >= 16, 'the back-off ramp', 60_000);
    const start = total();
    const windowMs = 16_000;
    await new Promise((r) => setTimeout(r, windowMs));
    const inWindow = total() - start;
    // Flapping at reconnectMinMs would be hundreds; backed off, the pair alternates about once per
    // reconnectMaxMs. Twice that plus slack is the bound; a slow machine only connects less.
    expect(inWindow, `connects in ${windowMs} ms`).toBeLessThanOrEqual((2 * windowMs) / MAX + 2);
    expect(a.faults).toHaveLength(1);
    expect(b.faults).toHaveLength(1);
  }, 120_000);

  it('MQTT 5 on mosquitto: detected too (this mosquitto closes without a reason code, like 3.1.1)', async () => {
    const v5 = (url: string, o: IClientOptions) => mqttConnect(url, { ...o, protocolVersion: 5 });
    const a = station('st-c', 'same-id-5', { connect: v5 });
    await waitFor(() => a.p.connected, 'first station connected');
    station('st-d', 'same-id-5', { connect: v5 });
    await waitFor(() => a.faults.length > 0, 'the older client reports the takeover', 30_000);
    expect(a.faults[0].message).toMatch(/^MQTT client id 'same-id-5' is in use by another client: the broker ended \d connection\(s\) in a row/);
  }, 60_000);

  it('MQTT 5 DISCONNECT reason 0x8E (session taken over) is reported at the first drop', async () => {
    // mosquitto 2.0.11 does not send it, so a socket that answers as the spec says a broker does:
    // CONNACK (success), then DISCONNECT with reason 0x8E, then close.
    const server = createServer((sock) => {
      sock.once('data', () => {
        sock.write(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]));
        setTimeout(() => sock.end(Buffer.from([0xe0, 0x02, SESSION_TAKEN_OVER, 0x00])), 50);
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closers.unshift(() => new Promise((r) => server.close(r)));
    const port = (server.address() as AddressInfo).port;
    const log = recordingLog();
    const p = openPublisher({
      url: `mqtt://127.0.0.1:${port}`, clientId: 'taken', station: 'st-g', topicPrefix: 'tk', log, reconnectMinMs: 10_000, reconnectMaxMs: 10_000,
      connect: (url, o) => mqttConnect(url, { ...o, protocolVersion: 5 }),
    });
    closers.push(() => p.close());
    const lines = () => log.entries.filter((e) => e.obj.code === 'MQTT_SESSION_TAKEOVER');
    await waitFor(() => lines().length > 0, 'takeover reported', 30_000);
    expect(lines()[0].obj).toMatchObject({ clientId: 'taken', drops: 1 });
    expect(lines()[0].msg).toMatch(/ended 1 connection\(s\) in a row soon after accepting them \(MQTT 5 reason 0x8E, session taken over\)/);
  }, 60_000);

  it('without a fault listener the publisher logs it itself, once', async () => {
    const log = recordingLog();
    const mk = (st: string) => openPublisher({ url: broker.url, clientId: 'same-id-log', station: st, topicPrefix: 'tk', log, reconnectMinMs: MIN, reconnectMaxMs: 200 });
    const x = mk('st-e');
    closers.push(() => x.close());
    await waitFor(() => x.connected, 'first connected');
    const y = mk('st-f');
    closers.push(() => y.close());
    const lines = () => log.entries.filter((e) => e.obj.code === 'MQTT_SESSION_TAKEOVER');
    await waitFor(() => lines().length >= 2, 'both report', 30_000);
    // Each of the two clients says it once, however long the clash lasts.
    const reconnects = () => x.stats().reconnects + y.stats().reconnects;
    const r0 = reconnects();
    await waitFor(() => reconnects() >= r0 + 4, 'the clash going on', 30_000);
    expect(lines()).toHaveLength(2);
    expect(lines()[0]).toMatchObject({ level: 'error', obj: { clientId: 'same-id-log', url: broker.url, drops: 3 } });
  }, 60_000);
});
