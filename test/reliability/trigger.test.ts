/**
 * Software trigger mode through the built daemon: with `camera.trigger.mode: software` the
 * camera keeps running but a part is inspected only per `set/trigger`, tagged with the trigger's
 * sequence number — one row, one result per trigger, none in between.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, replayFolder, startDaemon, tempDir, withDb, writeConfig } from './daemon.js';

let broker: Broker;
const t = tempDir('trigger');
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.close();
  t.cleanup();
});

describe('camera.trigger.mode: software', () => {
  it('inspects exactly one frame per MQTT trigger, tagged with the trigger seq', async () => {
    const P = 'rel/st-trg';
    const cfg = writeConfig(join(t.dir, 'c.yaml'), {
      station: 'st-trg',
      camera: { source: 'replay', path: replayFolder(join(t.dir, 'frames'), 12), fps: 20, loop: true, trigger: { mode: 'software' } },
      model: { path: FIXTURE_MODEL },
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 5, strobe_ms: 1 },
      storage: { database: 'db.sqlite', images: 'images', save_images: 'none' },
      mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60 },
      http: { enabled: false },
    });
    const sub = await subscriber(broker.url, [`${P}/response`, `${P}/result`, `${P}/status`]);
    const d = startDaemon(['run', '--config', cfg], { limitMs: 40_000 });
    try {
      await d.until(() => sub.on(`${P}/status`).some((m) => m.payload === 'online'), 'daemon online');
      await new Promise((r) => setTimeout(r, 800)); // the camera runs; no trigger yet → no inspection
      expect(sub.on(`${P}/result`).length).toBe(0);
      for (let i = 1; i <= 3; i++) {
        await sub.client.publishAsync(`${P}/set/trigger`, JSON.stringify({ id: i }), { qos: 1 });
        await waitFor(() => sub.on(`${P}/result`).length >= i, `result for trigger ${i}`, 10_000);
      }
      const answers = sub.on(`${P}/response`).map((m) => JSON.parse(m.payload));
      expect(answers.map((a) => [a.id, a.ok, a.seq])).toEqual([[1, true, 1], [2, true, 2], [3, true, 3]]);
      await new Promise((r) => setTimeout(r, 500));
      expect(sub.on(`${P}/result`).map((m) => JSON.parse(m.payload).seq)).toEqual([1, 2, 3]);
    } finally {
      d.child.kill('SIGTERM');
    }
    expect((await d.exited).code).toBe(0);
    const rows = withDb(join(t.dir, 'db.sqlite'), (db) => db.prepare('SELECT seq FROM inspections ORDER BY seq').all() as { seq: number }[]);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    await sub.close();
  }, 60_000);
});
