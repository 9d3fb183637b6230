/**
 * close() is bounded on the publisher's clock: the `offline` PUBACK is waited for at most
 * closeTimeoutMs, the DISCONNECT at most 200 ms more, then the socket is cut. The broker side is
 * a strict fake client (reached through the `connect` port) that never acknowledges anything.
 */
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { openPublisher } from '../../src/publish/mqtt.js';
import { FakeClock } from '../fakes/clock.js';
import { recordingLog } from '../store/fixtures.js';

/** An mqtt.js client whose broker accepts the connection and then goes silent. */
class SilentBrokerClient extends EventEmitter {
  connected = false;
  disconnecting = false;
  options: { reconnectPeriod?: number } = {};
  published: Array<[string, string]> = [];
  subscribed: string[] = [];
  ended = false;
  destroyed = false;
  stream = { destroy: () => (this.destroyed = true) };

  /** CONNACK accepted. */
  accept(): void {
    this.connected = true;
    this.emit('connect');
  }
  publish(topic: string, payload: string): void {
    if (!this.connected) throw new Error(`publish ${topic} while not connected`);
    this.published.push([topic, payload]); // never acknowledged
  }
  subscribe(filter: string): void {
    this.subscribed.push(filter);
  }
  end(force: boolean): void {
    if (this.ended) throw new Error('end() called twice');
    if (force) throw new Error('close must end gracefully first (force false)');
    this.ended = true; // the DISCONNECT never completes
  }
}

const flush = () => new Promise((r) => setImmediate(r));

describe('publisher close() deadlines (fake clock, silent broker)', () => {
  it('waits closeTimeoutMs for the offline PUBACK, then 200 ms for the DISCONNECT, then cuts the socket; no timer left', async () => {
    const clock = new FakeClock(0);
    const fake = new SilentBrokerClient();
    const p = openPublisher({
      url: 'mqtt://127.0.0.1:1', clientId: 'st-close', station: 'st', topicPrefix: 'test', log: recordingLog(),
      closeTimeoutMs: 3000, clock, wallNow: () => 1_700_000_000_000, connect: () => fake as unknown as MqttClient,
    });
    fake.accept();
    expect(fake.subscribed).toEqual(['test/st/set/+']);
    let closed = false;
    void p.close().then(() => (closed = true));
    await flush();
    expect(fake.published).toEqual([
      ['test/st/status', 'online'],
      ['test/st/status', 'offline'],
    ]);
    clock.advance(2999);
    await flush();
    expect([fake.ended, closed]).toEqual([false, false]);
    clock.advance(1);
    await flush();
    expect([fake.ended, fake.destroyed]).toEqual([true, false]);
    clock.advance(199);
    await flush();
    expect(fake.destroyed).toBe(false);
    clock.advance(1);
    await flush();
    expect([fake.destroyed, closed]).toEqual([true, true]);
    expect(clock.pending).toBe(0); // the takeover check went with close, as did both deadlines
  });
});
