import type { MqttClient } from 'mqtt';

/**
 * Topics the publisher follows besides its commands, e.g. Home Assistant's birth message
 * (`homeassistant/status` = 'online' after HA restarts: re-announce discovery). Subscribed on
 * every connect, handled by exact topic; a handler must not throw.
 */
export type Watches = ReadonlyMap<string, (payload: string) => void>;

export function attachWatches(client: MqttClient, watches: Watches, onError: (err: Error) => void): void {
  client.on('connect', () => {
    for (const topic of watches.keys()) client.subscribe(topic, { qos: 1 }, (err) => err && onError(err));
  });
  client.on('message', (topic, payload) => {
    const handler = watches.get(topic);
    if (!handler) return;
    try {
      handler(payload.toString());
    } catch (err) {
      onError(err as Error);
    }
  });
}
