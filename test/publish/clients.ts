import { connect, type IClientOptions, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A plain mqtt.js subscriber that records every message it gets. */
export async function subscriber(url: string, topics: string[], opts: IClientOptions = {}) {
  const client = connect(url, { reconnectPeriod: 100, connectTimeout: 5_000, ...opts });
  const msgs: Received[] = [];
  client.on('message', (topic, payload, packet) => msgs.push({ topic, payload: payload.toString(), retain: packet.retain }));
  client.on('error', () => undefined); // reconnects by itself; failures show up as missing messages
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    setTimeout(() => reject(new Error(`subscriber could not connect to ${url}`)), 10_000).unref();
  });
  if (topics.length > 0) await client.subscribeAsync(topics, { qos: 1 });
  return {
    client,
    msgs,
    on: (topic: string) => msgs.filter((m) => m.topic === topic),
    close: () => client.endAsync(true),
  };
}

/**
 * The ports pattern: openPublisher takes `connect`; this one is the real mqtt.connect that also
 * hands the test the client (to cut its socket) and records subscriptions.
 */
export function capturingConnect() {
  const state = { client: null as MqttClient | null, subscribed: [] as string[], subacks: 0 };
  const fn = (url: string, opts: IClientOptions) => {
    const client = connect(url, opts);
    const orig = client.subscribe.bind(client) as (...a: unknown[]) => MqttClient;
    (client as unknown as { subscribe: (...a: unknown[]) => MqttClient }).subscribe = (topic: unknown, o: unknown, cb?: unknown) => {
      state.subscribed.push(String(topic));
      return orig(topic, o, (err: unknown, granted: unknown) => {
        if (!err) state.subacks++;
        if (typeof cb === 'function') cb(err, granted);
      });
    };
    state.client = client;
    return client;
  };
  return { state, connect: fn };
}
