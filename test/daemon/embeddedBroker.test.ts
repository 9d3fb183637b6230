import net from 'node:net';
import { connect } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBrokerIfNeeded, type EmbeddedBroker } from '../../src/daemon/embeddedBroker.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('startEmbeddedBrokerIfNeeded (aedes imported only when it is needed)', () => {
  it('with nothing on the port it starts a broker that carries a message from publisher to subscriber', async () => {
    const port = await freePort();
    const broker = (await startEmbeddedBrokerIfNeeded(`mqtt://127.0.0.1:${port}`)) as EmbeddedBroker;
    expect(broker).not.toBeNull();
    cleanups.push(() => broker.close());
    expect(broker.port).toBe(port);
    const client = connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    cleanups.push(() => client.endAsync());
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync('t/x');
    const got = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
    await client.publishAsync('t/x', 'hello');
    expect(await got).toBe('hello');
  });

  it('returns null, starting nothing, when a broker already answers on the port', async () => {
    const other = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => other.close(() => resolve())));
    const port = (other.address() as net.AddressInfo).port;
    expect(await startEmbeddedBrokerIfNeeded(`mqtt://127.0.0.1:${port}`)).toBeNull();
  });
});
