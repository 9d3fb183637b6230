/**
 * Home Assistant against the built daemon and a real mosquitto: discovery is announced again
 * when Home Assistant says it is back (`homeassistant/status` = online), and the command
 * entities' payloads, exactly as their discovery configs template them, drive the daemon.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { stationConfig, startDaemon, tempDir, type DaemonRun } from './daemon.js';

const P = 'rel/st-ha';
let broker: Broker;
let d: DaemonRun;
let sub: Awaited<ReturnType<typeof subscriber>>;
const t = tempDir('ha');
const configs = () => sub.msgs.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config'));
const configOf = (object: string) => JSON.parse(configs().find((m) => m.topic.includes(`/${object}/config`))!.payload) as Record<string, any>;
const responses = () => sub.on(`${P}/response`).map((m) => JSON.parse(m.payload) as Record<string, any>);
/** Home Assistant's MQTT templates: `{{ value }}` is the value the user set. */
const render = (tpl: string, v: string) => tpl.replace('{{ value }}', v);

async function send(topic: string, payload: string): Promise<Record<string, any>> {
  const before = responses().length;
  await sub.client.publishAsync(topic, payload, { qos: 1 });
  await waitFor(() => responses().length > before, `response to ${topic}`, 15_000);
  return responses()[before];
}

beforeAll(async () => {
  broker = await startMosquitto();
  sub = await subscriber(broker.url, ['homeassistant/#', `${P}/#`]);
  const config = stationConfig(t.dir, { station: 'st-ha', frames: 4, fps: 5, loop: true }, {
    mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60, ha_discovery: true },
  });
  d = startDaemon(['run', '--config', config], { cwd: t.dir, limitMs: 100_000 });
  await d.until(() => sub.on(`${P}/status`).some((m) => m.payload === 'online') && configs().length >= 10, 'online with discovery', 40_000);
}, 60_000);

afterAll(async () => {
  await sub?.close();
  if (d && !d.status()) {
    d.child.kill('SIGTERM');
    await d.exited;
  }
  await broker?.close();
  t.cleanup();
});

describe('Home Assistant (built daemon, real mosquitto)', () => {
  it('announces discovery again when Home Assistant comes back online', async () => {
    const first = configs().length;
    await sub.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await waitFor(() => configs().length >= 2 * first, 're-announced discovery', 15_000);
    // Another payload on that topic ('offline') announces nothing.
    const after = configs().length;
    await sub.client.publishAsync('homeassistant/status', 'offline', { qos: 1 });
    await send(`${P}/set/trigger`, '{}');
    expect(configs().length).toBe(after);
  });

  it('the threshold number, the paused switch and the save_images select drive the daemon', async () => {
    const num = configOf('threshold');
    expect(await send(num.command_topic, render(num.command_template, '0.3'))).toMatchObject({ ok: true, value: 0.3 });
    const sw = configOf('paused');
    expect(await send(sw.command_topic, sw.payload_on)).toMatchObject({ ok: true, paused: true });
    await waitFor(() => sub.on(`${P}/paused`).some((m) => JSON.parse(m.payload).value === true), 'paused state true', 10_000);
    expect(await send(sw.command_topic, sw.payload_off)).toMatchObject({ ok: true, paused: false });
    const sel = configOf('save_images');
    expect(await send(sel.command_topic, render(sel.command_template, 'all'))).toMatchObject({ ok: true, value: 'all' });
    // The state topics the entities read carry what was set.
    await waitFor(() => sub.on(`${P}/threshold`).some((m) => JSON.parse(m.payload).value === 0.3), 'threshold state', 10_000);
    await waitFor(() => sub.on(`${P}/save_images`).some((m) => JSON.parse(m.payload).value === 'all'), 'save_images state', 10_000);
  });
});
