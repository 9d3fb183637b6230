/**
 * What a station holds on its box, so two stations (one systemd `inspectd@<name>` each) cannot
 * silently share it: TCP ports (dashboard, Modbus, the embedded broker), the SQLite file, the
 * images folder, the sim GPIO log, the MQTT client id and topic tree on a broker, GPIO lines,
 * and the camera device. Pure: `run` holds these claims for its lifetime (src/daemon/claims.ts)
 * and `validate-config a.yaml b.yaml` cross-checks files before any of them runs.
 */
import type { Config } from './schema.js';
import type { ConfigProblem } from './load.js';

export interface Claim {
  /** Box-wide identity: two claims with the same key collide. */
  key: string;
  /** The resource in words, for the error ("TCP port 8080", "SQLite database /var/lib/…"). */
  what: string;
  /** The config key that asks for it (`http.port`). */
  path: string;
}

export interface ClaimContext {
  /** Part of the default MQTT client id. */
  hostname: string;
  /** Path → the one spelling of that place (symlinks resolved); identity by default. */
  canonical?: (path: string) => string;
}

/** The default `mqtt.client_id`: unique per station and box. The daemon connects with this. */
export function mqttClientId(config: Pick<Config, 'station' | 'mqtt'>, hostname: string): string {
  return config.mqtt.client_id ?? `inspectd-${config.station}-${hostname}`;
}

const DEFAULT_PORTS: Record<string, number> = { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'tls:': 8883, 'ssl:': 8883, 'ws:': 80, 'wss:': 443 };

/** host:port of a broker URL, loopback names folded together; null when it does not parse. */
export function brokerAddress(url: string): { host: string; port: number } | null {
  try {
    const u = new URL(url);
    const raw = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const host = raw === 'localhost' || raw === '::1' || /^127\./.test(raw) ? 'loopback' : raw;
    const port = u.port ? Number(u.port) : DEFAULT_PORTS[u.protocol];
    return port ? { host, port } : null;
  } catch {
    return null;
  }
}

/** Every box-wide resource `config` would hold while running. Ports 0 (any free one) hold nothing. */
export function stationClaims(config: Readonly<Config>, ctx: ClaimContext): Claim[] {
  const canon = ctx.canonical ?? ((p: string) => p);
  const out: Claim[] = [];
  // One TCP port space on a box: a dashboard and another station's Modbus server collide too.
  // Claimed by port alone, whatever the host: 0.0.0.0 overlaps every address.
  const port = (path: string, p: number, role: string) => p > 0 && out.push({ key: `tcp:${p}`, what: `TCP port ${p} (${role})`, path });
  if (config.http.enabled) port('http.port', config.http.port, 'dashboard');
  if (config.modbus.enabled) port('modbus.port', config.modbus.port, 'Modbus TCP');
  const broker = config.mqtt.url ? brokerAddress(config.mqtt.url) : null;
  // Only the station that would host the embedded broker claims its port; others just connect to it.
  if (broker && config.mqtt.embedded_broker) port('mqtt.embedded_broker', broker.port, 'embedded MQTT broker');

  const file = (path: string, p: string | undefined, what: string) => p && out.push({ key: `path:${canon(p)}`, what: `${what} ${canon(p)}`, path });
  file('storage.database', config.storage.database, 'SQLite database');
  file('storage.images', config.storage.images, 'images folder');
  if (config.gpio.backend === 'sim') file('gpio.sim_log', config.gpio.sim_log, 'sim GPIO log');

  if (broker) {
    const at = `${broker.host}:${broker.port}`;
    const id = mqttClientId(config, ctx.hostname);
    out.push({ key: `mqtt-client:${at}/${id}`, what: `MQTT client id '${id}' on broker ${at}`, path: 'mqtt.client_id' });
    // The same station name under the same prefix would publish (and retain) over the other's topics.
    const tree = `${config.mqtt.topic_prefix}/${config.station}/`;
    out.push({ key: `mqtt-topics:${at}/${tree}`, what: `MQTT topics ${tree}# on broker ${at}`, path: 'station' });
  }

  const chip = config.gpio.chip ?? '(no chip)';
  const line = (path: string, offset: number) => out.push({ key: `gpio:${chip}:${offset}`, what: `GPIO line ${offset} of chip ${chip}`, path });
  if (config.gpio.backend === 'gpiod') for (const [name, l] of Object.entries(config.gpio.lines)) if (l) line(`gpio.lines.${name}`, l.offset);
  // The photo-eye input is a real line whatever the output backend (gpiomon on gpio.chip).
  if (config.camera.trigger.mode === 'gpio' && config.camera.trigger.line) line('camera.trigger.line', config.camera.trigger.line.offset);

  if (config.camera.source === 'v4l2' && config.camera.path) out.push({ key: `camera:${canon(config.camera.path)}`, what: `camera ${canon(config.camera.path)}`, path: 'camera.path' });
  if (config.camera.source === 'libcamera') out.push({ key: `camera:libcamera:${config.camera.index ?? 0}`, what: `libcamera camera ${config.camera.index ?? 0}`, path: 'camera.index' });
  return out;
}

/** Two keys of one config asking for the same thing (http.port = modbus.port, two GPIO outputs on one line). */
export function selfCollisions(claims: readonly Claim[]): ConfigProblem[] {
  const first = new Map<string, Claim>();
  const problems: ConfigProblem[] = [];
  for (const c of claims) {
    const seen = first.get(c.key);
    if (seen) problems.push({ path: c.path, message: `${c.what}: also used by ${seen.path} in this config` });
    else first.set(c.key, c);
  }
  return problems;
}

export interface StationClaims {
  file: string;
  station: string;
  claims: readonly Claim[];
}

/**
 * Collisions between several stations meant for one box, as problems of each file involved,
 * naming the other station and its file. Within one file, see selfCollisions.
 */
export function crossCollisions(stations: readonly StationClaims[]): Map<string, ConfigProblem[]> {
  const out = new Map<string, ConfigProblem[]>(stations.map((s) => [s.file, []]));
  const holders = new Map<string, Array<{ s: StationClaims; c: Claim }>>();
  for (const s of stations) for (const c of s.claims) holders.set(c.key, [...(holders.get(c.key) ?? []), { s, c }]);
  for (const list of holders.values()) {
    for (const me of list) {
      for (const other of list) {
        if (other.s === me.s) continue;
        out.get(me.s.file)!.push({ path: me.c.path, message: `${me.c.what} is also claimed by station ${other.s.station} (${other.s.file}, ${other.c.path})` });
      }
    }
  }
  return out;
}
