/**
 * Runtime settings across restarts of the built daemon on the same SQLite file, with a real
 * mosquitto: a threshold and save_images set over MQTT hold after a restart; the retained
 * settings topics tell the truth right after connect (stale retained values from an earlier run
 * replaced, `paused` included); a value edited in config.yaml since then wins, logged and recorded.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, replayFolder, startDaemon, tempDir, withDb, writeConfig, type DaemonRun } from './daemon.js';

const P = 'rel/st-set';
const SETTINGS = ['threshold', 'paused', 'save_images'].map((n) => `${P}/${n}`);
let broker: Broker;
const t = tempDir('settings');
const frames = () => replayFolder(join(t.dir, 'frames'), 12);

beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.close();
  t.cleanup();
});

function config(threshold: number | 'auto'): string {
  return writeConfig(join(t.dir, 'config.yaml'), {
    station: 'st-set',
    camera: { source: 'replay', path: frames(), fps: 20, loop: true },
    model: { path: FIXTURE_MODEL, threshold },
    gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 5, strobe_ms: 1 },
    storage: { database: 'st.db', images: 'images', save_images: 'rejects' },
    mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60 },
    http: { enabled: false },
  });
}

/** Start the daemon and wait until it is online and its results flow (its connect-time state publishes came before them). */
async function start(threshold: number | 'auto') {
  const sub = await subscriber(broker.url, [`${P}/status`, `${P}/result`, `${P}/response`]);
  const startedAt = Date.now();
  const d = startDaemon(['run', '--config', config(threshold)], { limitMs: 40_000 });
  await d.until(() => sub.on(`${P}/status`).some((m) => m.payload === 'online') && sub.on(`${P}/result`).length >= 3, 'daemon online and publishing results');
  // Results captured by this run (an earlier run's outbox leftovers, if any, are older).
  const results = () => sub.on(`${P}/result`).map((m) => JSON.parse(m.payload) as { ts: number; threshold: number }).filter((r) => r.ts >= startedAt);
  return { d, sub, results };
}

/** What a client that connects now is told: the retained value of each settings topic. */
async function retainedSettings(): Promise<Record<string, unknown>> {
  const late = await subscriber(broker.url, SETTINGS);
  try {
    await waitFor(() => SETTINGS.every((s) => late.on(s).length > 0), 'a retained message on every settings topic', 10_000);
    return Object.fromEntries(SETTINGS.map((s) => [s.slice(P.length + 1), { ...JSON.parse(late.on(s)[0].payload), retained: late.on(s)[0].retain }]));
  } finally {
    await late.close();
  }
}

async function stop(d: DaemonRun) {
  d.child.kill('SIGTERM');
  const { code } = await d.exited;
  expect(d.stderr()).toBe('');
  expect(code).toBe(0);
}

const changes = () => withDb(join(t.dir, 'st.db'), (db) => db.prepare('SELECT old, new, who, reason FROM threshold_changes ORDER BY id').all());

describe('runtime settings across daemon restarts (same SQLite file, real mosquitto)', () => {
  it('first start: stale retained settings from an earlier run are replaced at connect', async () => {
    const old = await subscriber(broker.url, []);
    await old.client.publishAsync(`${P}/save_images`, JSON.stringify({ value: 'all' }), { qos: 1, retain: true });
    await old.client.publishAsync(`${P}/paused`, JSON.stringify({ value: true }), { qos: 1, retain: true });
    await old.client.publishAsync(`${P}/threshold`, JSON.stringify({ value: 0.99, source: 'old' }), { qos: 1, retain: true });
    await old.close();

    const { d, sub } = await start('auto');
    try {
      expect(await retainedSettings()).toEqual({
        threshold: { value: 0.5, source: 'card', retained: true },
        paused: { value: false, retained: true },
        save_images: { value: 'rejects', retained: true },
      });
      // Set both at runtime, over MQTT.
      await sub.client.publishAsync(`${P}/set/threshold`, JSON.stringify({ id: 1, value: 0.3 }), { qos: 1 });
      await sub.client.publishAsync(`${P}/set/save_images`, JSON.stringify({ id: 2, value: 'none' }), { qos: 1 });
      await waitFor(() => sub.on(`${P}/response`).length >= 2, 'both responses', 10_000);
      expect(sub.on(`${P}/response`).map((m) => JSON.parse(m.payload))).toMatchObject([
        { id: 1, ok: true, value: 0.3 },
        { id: 2, ok: true, value: 'none' },
      ]);
    } finally {
      await sub.close();
    }
    await stop(d);
  });

  it('after a restart the threshold and save_images set over MQTT hold: decisions, retained topics, no new config row', async () => {
    const { d, sub, results } = await start('auto');
    try {
      expect(await retainedSettings()).toEqual({
        threshold: { value: 0.3, source: 'mqtt', retained: true },
        paused: { value: false, retained: true },
        save_images: { value: 'none', retained: true },
      });
      // Every result of this run was decided with the kept threshold.
      expect(results().length).toBeGreaterThan(0);
      for (const r of results()) expect(r.threshold).toBe(0.3);
      expect(d.logs().filter((l) => typeof l.msg === 'string' && l.msg.endsWith('restored from the last run')).map((l) => [l.setting, l.value])).toEqual([
        ['threshold', 0.3],
        ['save_images', 'none'],
      ]);
    } finally {
      await sub.close();
    }
    await stop(d);
    expect(changes()).toEqual([
      { old: null, new: 0.5, who: 'config', reason: 'model card good-only threshold' },
      { old: 0.5, new: 0.3, who: 'mqtt', reason: null },
    ]);
  });

  it('a threshold edited in config.yaml since then wins over the kept one: logged, recorded, published', async () => {
    const { d, sub, results } = await start(0.4);
    try {
      expect(await retainedSettings()).toEqual({
        threshold: { value: 0.4, source: 'config', retained: true },
        paused: { value: false, retained: true },
        save_images: { value: 'none', retained: true }, // config.yaml did not change save_images: the kept value stays
      });
      expect(results().length).toBeGreaterThan(0);
      for (const r of results()) expect(r.threshold).toBe(0.4);
      expect(d.logs().find((l) => l.setting === 'threshold' && l.level === 40)).toMatchObject({ kept: 0.3, kept_by: 'mqtt', msg: expect.stringContaining('config.yaml changed threshold') });
    } finally {
      await sub.close();
    }
    await stop(d);
    expect(changes().at(-1)).toEqual({ old: 0.3, new: 0.4, who: 'config', reason: 'config.yaml changed since mqtt set 0.3: config wins' });
  });
});
