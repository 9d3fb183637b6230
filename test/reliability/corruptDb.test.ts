/**
 * A database file with damaged pages, found by the built daemon at start: the file is the plant's
 * quality record, so it is moved aside byte for byte (never written over) to
 * `<name>.corrupt-<UTC time>`, a new database records every part of the run, the fault is
 * raised on MQTT (real mosquitto) and logged, and the run still ends with exit 0.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruptPages, makeDatabase, quickCheck } from '../helpers/corruptDb.js';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, replayFolder, runDaemon, tempDir, withDb, writeConfig } from './daemon.js';

let broker: Broker;
const t = tempDir('corrupt');
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.close();
  t.cleanup();
});

describe('a corrupt database at start (built daemon, real mosquitto)', () => {
  it('is moved aside untouched, a fresh database gets every row, STORE_CORRUPT is logged and on MQTT fault, exit 0', async () => {
    const P = 'rel/st-corrupt';
    const db = join(t.dir, 'inspectd.db');
    makeDatabase(db);
    corruptPages(db);
    expect(quickCheck(db)).not.toBe('ok'); // the fixture really is damaged
    const damaged = readFileSync(db);
    const N = 24;
    const cfg = writeConfig(join(t.dir, 'config.yaml'), {
      station: 'st-corrupt',
      camera: { source: 'replay', path: replayFolder(join(t.dir, 'frames'), N), fps: 0, loop: false },
      model: { path: FIXTURE_MODEL },
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 1, strobe_ms: 1 },
      storage: { database: 'inspectd.db', images: 'images', save_images: 'none' },
      mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60 },
      http: { enabled: false },
    });
    const sub = await subscriber(broker.url, [`${P}/fault`, `${P}/result`]);
    try {
      const run = await runDaemon(['run', '--config', cfg], { limitMs: 45_000 });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);

      const moved = readdirSync(t.dir).filter((n) => /^inspectd\.db\.corrupt-\d{8}T\d{6}Z$/.test(n));
      expect(moved).toHaveLength(1);
      expect(readFileSync(join(t.dir, moved[0])).equals(damaged)).toBe(true);

      const logged = run.logs.find((l) => l.code === 'STORE_CORRUPT');
      expect(logged).toMatchObject({ level: 50, database: db, moved_to: join(t.dir, moved[0]) });

      expect(quickCheck(db)).toBe('ok');
      const seqs = withDb(db, (d) => d.prepare('SELECT seq FROM inspections ORDER BY seq').pluck().all());
      expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));

      await waitFor(() => sub.on(`${P}/result`).length >= N && sub.on(`${P}/fault`).length > 0, 'results and the fault on MQTT', 10_000);
      const faults = sub.on(`${P}/fault`).map((m) => JSON.parse(m.payload) as Record<string, unknown>);
      expect(faults).toEqual([expect.objectContaining({ station: 'st-corrupt', code: 'STORE_CORRUPT', fatal: false, message: expect.stringContaining(moved[0]) })]);
    } finally {
      await sub.close();
    }
  });
});
