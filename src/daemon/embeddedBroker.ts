import net from 'node:net';

export interface EmbeddedBroker {
  port: number;
  close(): Promise<void>;
}

/**
 * For demos and single-box installs: when `mqtt.embedded_broker` is on and nothing listens on
 * the configured loopback port, serve MQTT there with aedes (pure JS, in-memory), so `npm start`
 * works on a fresh machine without mosquitto. Returns null when a broker already answers.
 * It binds to 127.0.0.1 only: an in-memory broker without auth must not face the plant network.
 */
export async function startEmbeddedBrokerIfNeeded(url: string): Promise<EmbeddedBroker | null> {
  const u = new URL(url);
  const port = Number(u.port || 1883);
  if (await isListening('127.0.0.1', port)) return null;
  // Imported only now: with mosquitto answering (the usual station) aedes would cost ≈11 MB of RSS for nothing (measured).
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}

function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
