import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPublisher } from '../../src/publish/mqtt.js';
import { outboxTopics } from '../../src/publish/topics.js';
import type { Publisher } from '../../src/publish/types.js';
import { openStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { recordingLog, result, tempDir } from '../store/fixtures.js';
import { subscriber } from './clients.js';

const WINDOW = 32;
/**
 * The subscriber uses QoS 1 too, so the broker→subscriber leg can re-deliver what it had sent
 * but not yet seen acknowledged when it stopped: at most its max_inflight_messages (set here).
 */
const BROKER_INFLIGHT = 20;
const TOPIC = 'plant/line1/result';

let broker: Broker;
let db: Store;
let p: Publisher;
let sub: Awaited<ReturnType<typeof subscriber>>;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  // Persistence on: the subscriber's persistent session (and what is queued for it) must
  // survive the broker restart, as it does on a real plant broker.
  broker = await startMosquitto({ persistence: true, extraConfig: `max_inflight_messages ${BROKER_INFLIGHT}` });
  const t = await tempDir();
  cleanup = t.cleanup;
  db = await openStore({
    database: join(t.dir, 'inspectd.db'),
    imagesDir: join(t.dir, 'images'),
    retentionDays: 0,
    imagesQuotaMb: 1,
    flushMs: 20,
    topicsFor: outboxTopics('plant'),
    log: recordingLog(),
  });
  p = openPublisher({ url: broker.url, clientId: 'inspectd-line1', station: 'line1', topicPrefix: 'plant', store: db, log: recordingLog(), window: WINDOW, reconnectMinMs: 100, reconnectMaxMs: 400 });
  sub = await subscriber(broker.url, [TOPIC], { clientId: 'plant-historian', clean: false });
  await waitFor(() => p.connected, 'publisher connected');
});

afterEach(async () => {
  await p?.close();
  await db?.close();
  await sub?.close();
  await broker?.close();
  await cleanup?.();
});

const record = (from: number, to: number) => {
  for (let seq = from; seq <= to; seq++) db.record(result(seq, { station: 'line1', verdict: seq % 9 === 0 ? 'reject' : 'pass' }));
  db.flush();
};

/** Outbox messages for seqs from..to: one result each, plus an alert per reject (every 9th). */
const messages = (from: number, to: number) => to - from + 1 + (Math.floor(to / 9) - Math.floor((from - 1) / 9));

/**
 * Every seq 1..n received, first arrivals in order, and duplicates bounded by the two QoS 1
 * legs: what our publisher had in flight when the connection died (≤ its window; mqtt.js sends
 * those again after the reconnect) plus what the broker had in flight to the subscriber.
 */
function checkReceived(n: number, publisherInflightAtLoss: number) {
  const seqs = sub.msgs.map((m) => JSON.parse(m.payload).seq as number);
  const seen = new Set(seqs);
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((s) => !seen.has(s));
  expect(missing).toEqual([]);
  const duplicates = seqs.length - seen.size;
  expect(duplicates).toBeLessThanOrEqual(publisherInflightAtLoss + BROKER_INFLIGHT);
  const firsts = [...seen];
  expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  return { duplicates };
}

describe('no lost event across a broker outage (real mosquitto, real SQLite outbox)', () => {
  it('results recorded while the broker is down are delivered once it is back, in order', async () => {
    record(1, 10);
    await waitFor(() => sub.msgs.length >= 10 && db.outboxPendingCount() === 0, 'first 10 delivered');

    await broker.stop();
    await waitFor(() => !p.connected, 'publisher saw the outage');
    const errorsAtStop = p.stats().errors;
    record(11, 60);
    // Let a few reconnect attempts fail: nothing may be published meanwhile, all 50 wait in SQLite.
    await waitFor(() => p.stats().errors >= errorsAtStop + 2, 'reconnect attempts failing');
    expect(p.stats()).toMatchObject({ connected: false, published: messages(1, 10), delivered: messages(1, 10), pending: messages(11, 60) });
    expect(db.counts().total).toBe(60); // SQLite is the record, broker or not

    await broker.start(); // same port
    await waitFor(() => db.outboxPendingCount() === 0, 'outbox drained after reconnect', 30_000);
    await waitFor(() => new Set(sub.msgs.map((m) => JSON.parse(m.payload).seq)).size === 60, 'subscriber has all 60', 30_000);
    checkReceived(60, 0);
    // The publisher sent each message exactly once (nothing was in flight when the broker went
    // away). Duplicates the subscriber may still see come from the broker→subscriber QoS 1 leg
    // (PUBACKs the broker had not processed when it stopped), bounded by BROKER_INFLIGHT.
    expect(p.stats()).toMatchObject({ connected: true, delivered: messages(1, 60), published: messages(1, 60), inflight: 0 });
  });

  it('a broker stopped in the middle of a burst: every result arrives, duplicates only from the window', async () => {
    const N = 400;
    record(1, N);
    await waitFor(() => sub.msgs.length >= 30, 'burst under way');
    await broker.stop();
    await waitFor(() => !p.connected, 'outage seen');
    // In flight at the loss: exactly what will be sent twice at most. The pump never exceeds its window.
    const inflightAtLoss = p.stats().inflight;
    expect(inflightAtLoss).toBeLessThanOrEqual(WINDOW);
    const pendingDuringOutage = db.outboxPendingCount();
    await broker.start();
    await waitFor(() => db.outboxPendingCount() === 0, 'outbox drained', 30_000);
    await waitFor(() => new Set(sub.msgs.map((m) => JSON.parse(m.payload).seq)).size === N, `subscriber has all ${N}`, 30_000);
    checkReceived(N, inflightAtLoss);
    expect(pendingDuringOutage).toBeGreaterThan(0); // the stop really did interrupt delivery
    // The pump re-read nothing from the outbox: mqtt.js re-sent the in-flight ones itself.
    expect(p.stats()).toMatchObject({ published: messages(1, N), delivered: messages(1, N), inflight: 0 });
  });
});
