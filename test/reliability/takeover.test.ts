/**
 * Two stations with one `mqtt.client_id` on a real mosquitto: the built daemon and a second
 * client with the same id that comes back 1 s after every kick (a station without this fix).
 * The daemon says so once (MQTT_SESSION_TAKEOVER, naming the id and the likely cause), publishes
 * the fault, and backs off instead of reconnecting every ~2 s. Connects are counted over a long
 * window and bounded from above only: a loaded machine connects less, never more.
 */
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, replayFolder, sleep, startDaemon, tempDir, writeConfig, type DaemonRun } from './daemon.js';

const P = 'rel/st-dup';
const ID = 'line3-station';
/** The daemon's defaults (src/publish/mqtt.ts): 1 s doubling to 30 s. */
const WINDOW_MS = 30_000;

let broker: Broker;
let d: DaemonRun;
let other: MqttClient | null = null;
let sub: Awaited<ReturnType<typeof subscriber>>;
const t = tempDir('takeover');
const connectedLines = () => d.logs().filter((l) => l.msg === 'MQTT connected');
const takeoverLines = () => d.logs().filter((l) => l.code === 'MQTT_SESSION_TAKEOVER');

beforeAll(async () => {
  broker = await startMosquitto();
  sub = await subscriber(broker.url, [`${P}/fault`, `${P}/status`]);
  const config = writeConfig(join(t.dir, 'dup.yaml'), {
    station: 'st-dup',
    camera: { source: 'replay', path: replayFolder(join(t.dir, 'frames'), 12), fps: 5, loop: true },
    model: { path: FIXTURE_MODEL },
    gpio: { backend: 'sim', sim_log: 'dup.gpio.jsonl', pulse_ms: 5, strobe_ms: 1 },
    storage: { database: 'dup.db', images: 'dup-images', save_images: 'none' },
    mqtt: { url: broker.url, topic_prefix: 'rel', client_id: ID, stats_interval_s: 60 },
    http: { enabled: false },
  });
  d = startDaemon(['run', '--config', config], { cwd: t.dir, limitMs: 110_000 });
  await d.until(() => connectedLines().length === 1 && sub.on(`${P}/status`).some((m) => m.payload === 'online'), 'daemon connected', 40_000);
}, 60_000);

afterAll(async () => {
  other?.end(true);
  await sub?.close();
  if (d && !d.status()) {
    d.child.kill('SIGKILL');
    await d.exited;
  }
  await broker?.close();
  t.cleanup();
});

describe('a second client with the same mqtt.client_id', () => {
  let inWindow = 0;

  it('the daemon backs off: far fewer connects than one per 2 s over a 30 s window', async () => {
    const before = connectedLines().length;
    other = connect(broker.url, { clientId: ID, reconnectPeriod: 1_000, connectTimeout: 5_000 });
    other.on('error', () => undefined);
    await sleep(WINDOW_MS);
    inWindow = connectedLines().length - before;
    // Flapping (the old behaviour) is one connect per ~2 s here, 15 in the window; backed off
    // (1, 2, 4, 8, 16 s...) it is about 5.
    expect(inWindow, 'daemon connects in the window').toBeLessThanOrEqual(8);
    expect(inWindow, 'the daemon kept trying').toBeGreaterThanOrEqual(1);
  }, WINDOW_MS + 30_000);

  it('logged it once, naming the client id and the likely cause', () => {
    const lines = takeoverLines();
    expect(lines, 'MQTT_SESSION_TAKEOVER log lines').toHaveLength(1);
    expect(lines[0].msg).toMatch(new RegExp(`^MQTT client id '${ID}' is in use by another client: the broker ended \\d+ connection\\(s\\) in a row soon after accepting them`));
    expect(lines[0].msg).toMatch(/Most likely two stations have the same mqtt\.client_id; give each its own\. Backing off up to 30 s/);
  });

  it('published the fault', async () => {
    await waitFor(() => sub.on(`${P}/fault`).length > 0, 'fault on MQTT', 40_000);
    const faults = sub.on(`${P}/fault`).map((m) => JSON.parse(m.payload) as Record<string, unknown>);
    expect(faults.filter((f) => f.code === 'MQTT_SESSION_TAKEOVER')).toHaveLength(1);
    expect(faults[0]).toMatchObject({ station: 'st-dup', code: 'MQTT_SESSION_TAKEOVER', fatal: false, message: takeoverLines()[0].msg });
  }, 60_000);

  it('once the other client is gone the daemon reconnects and stops cleanly', async () => {
    await new Promise<void>((r) => other!.end(true, {}, () => r()));
    other = null;
    // Connected now, or back within one (at most 30 s) back-off step: either way `online` is last.
    await d.until(() => sub.on(`${P}/status`).at(-1)?.payload === 'online', 'online again after the clash', 45_000);
    d.child.kill('SIGTERM');
    const exit = await d.exited;
    expect(d.stderr()).toBe('');
    expect(exit.code).toBe(0);
  }, 60_000);
});
