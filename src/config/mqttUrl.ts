/**
 * The one MQTT broker URL check, used by config loading and by the publisher, so a URL that
 * passes `inspectd check` also starts the client.
 *
 * Schemes: the transports mqtt.js offers under Node (mqtt/tcp plain TCP, mqtts/tls/ssl TLS,
 * ws/wss WebSocket). Its browser/mini-program schemes (wx, wxs, ali, alis) cannot run in this
 * daemon, and mqtt.js quietly falls back to TCP for an unknown scheme, so anything else is a typo
 * that must fail at start.
 */
export const MQTT_SCHEMES: readonly string[] = ['mqtt', 'mqtts', 'tcp', 'tls', 'ssl', 'ws', 'wss'];

/** What is wrong with a broker URL, or undefined when mqtt.js can connect with it. */
export function mqttUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `not a URL: ${JSON.stringify(url)} (use mqtt://host:port or mqtts://host:port)`;
  }
  const scheme = u.protocol.slice(0, -1);
  if (!MQTT_SCHEMES.includes(scheme)) return `unsupported scheme ${JSON.stringify(scheme)} in ${JSON.stringify(url)} (one of ${MQTT_SCHEMES.join(', ')})`;
  if (!u.hostname) return `no broker host in ${JSON.stringify(url)} (use mqtt://host:port)`;
  return undefined;
}
