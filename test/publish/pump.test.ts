/**
 * The delivery pump's own timers on a fake clock: the outbox poll, the re-read after a refused
 * publish, and the drain deadline, each at its exact time. The outbox is a strict in-memory fake.
 */
import { describe, expect, it } from 'vitest';
import { DeliveryPump } from '../../src/publish/pump.js';
import type { OutboxPort } from '../../src/publish/types.js';
import type { OutboxRow } from '../../src/store/index.js';
import { FakeClock } from '../fakes/clock.js';
import { recordingLog } from '../store/fixtures.js';

/** Rows pending until marked; marking a row that is not pending is a bug in the pump. */
function fakeOutbox(): OutboxPort & { add(topic: string): number; pending(): number[] } {
  const rows: OutboxRow[] = [];
  let nextId = 1;
  return {
    add(topic) {
      rows.push({ id: nextId, topic, payload: '{}', qos: 1, retain: false, created_ts: 0 });
      return nextId++;
    },
    pending: () => rows.map((r) => r.id),
    outboxPending: (limit, afterId = 0) => rows.filter((r) => r.id > afterId).slice(0, limit),
    markDelivered(ids) {
      for (const id of ids) {
        const i = rows.findIndex((r) => r.id === id);
        if (i < 0) throw new Error(`markDelivered: row ${id} is not pending`);
        rows.splice(i, 1);
      }
    },
  };
}

/** The pump defers its runs and marks with setImmediate: let them happen (no clock time passes). */
const flush = () => new Promise((r) => setImmediate(r));

function pumpWith(clock: FakeClock, send: (row: OutboxRow, done: (err?: Error) => void) => void, pollMs = 60_000) {
  const store = fakeOutbox();
  const errors: string[] = [];
  const pump = new DeliveryPump({ store, send, isConnected: () => true, window: 4, pollMs, clock, log: recordingLog(), onError: (code) => errors.push(code) });
  return { store, pump, errors };
}

describe('DeliveryPump timers (fake clock)', () => {
  it('without a commit notification from the store, a new row goes out at the next poll, pollMs after start', async () => {
    const clock = new FakeClock(0);
    const sent: number[] = [];
    const { store, pump } = pumpWith(clock, (row, done) => (sent.push(row.id), done()), 1000);
    pump.start();
    await flush();
    store.add('t/result');
    clock.advance(999);
    await flush();
    expect(sent).toEqual([]);
    clock.advance(1);
    await flush();
    await flush(); // the run, then the mark
    expect(sent).toEqual([1]);
    expect(store.pending()).toEqual([]);
    pump.stop();
    expect(clock.pending).toBe(0);
  });

  it('a publish the client refuses is read again 250 ms later, and marked delivered only on its PUBACK', async () => {
    const clock = new FakeClock(0);
    const sent: number[] = [];
    let refuse = true;
    const { store, pump, errors } = pumpWith(clock, (row, done) => {
      sent.push(row.id);
      done(refuse ? new Error('client is disconnecting') : undefined);
    });
    store.add('t/result');
    pump.start();
    await flush();
    expect([sent, errors]).toEqual([[1], ['MQTT_PUBLISH']]);
    refuse = false;
    clock.advance(249);
    await flush();
    expect(sent).toEqual([1]);
    expect(store.pending()).toEqual([1]);
    clock.advance(1);
    await flush();
    await flush();
    expect(sent).toEqual([1, 1]);
    expect(store.pending()).toEqual([]);
    expect(pump.delivered).toBe(1);
    pump.stop();
  });

  it('drain() gives up at its deadline on the clock while a PUBACK is outstanding, and resolves true once it comes', async () => {
    const clock = new FakeClock(0);
    const held: Array<(err?: Error) => void> = [];
    const { store, pump } = pumpWith(clock, (_row, done) => held.push(done));
    store.add('t/result');
    pump.start();
    await flush();
    let outcome: boolean | undefined;
    void pump.drain(100).then((r) => (outcome = r));
    for (let t = 20; t < 100; t += 20) {
      clock.advance(20);
      await flush();
      expect(outcome).toBeUndefined();
    }
    clock.advance(20); // t = 100: the deadline
    await flush();
    expect(outcome).toBe(false);
    expect(held).toHaveLength(1); // in flight, never sent twice

    outcome = undefined;
    void pump.drain(clock.now() + 1000).then((r) => (outcome = r));
    held[0]();
    clock.advance(20);
    await flush();
    expect(outcome).toBe(true);
    expect(store.pending()).toEqual([]);
    pump.stop();
    expect(clock.pending).toBe(0);
  });
});
