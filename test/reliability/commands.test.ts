/**
 * MQTT commands against the running built daemon and a real mosquitto: a valid `set/threshold`
 * is applied, recorded in SQLite with who, and reflected in the retained `threshold` state; bad
 * payloads get an error response naming the problem while inspection carries on; with
 * `mqtt.commands: false` the daemon does not even subscribe, so nothing answers.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, replayFolder, startDaemon, tempDir, withDb, writeConfig, type DaemonRun } from './daemon.js';

let broker: Broker;
const t = tempDir('commands');

beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.close();
  t.cleanup();
});

function config(name: string, station: string, commands: boolean): string {
  return writeConfig(join(t.dir, `${name}.yaml`), {
    station,
    camera: { source: 'replay', path: replayFolder(join(t.dir, `${name}-frames`), 12), fps: 20, loop: true },
    model: { path: FIXTURE_MODEL },
    gpio: { backend: 'sim', sim_log: `${name}.gpio.jsonl`, pulse_ms: 5, strobe_ms: 1 },
    storage: { database: `${name}.db`, images: `${name}-images`, save_images: 'none' },
    mqtt: { url: broker.url, topic_prefix: 'rel', commands, stats_interval_s: 60 },
    http: { enabled: false },
  });
}

async function stop(d: DaemonRun) {
  d.child.kill('SIGTERM');
  return d.exited;
}

describe('set/threshold and bad command payloads (commands: true)', () => {
  const P = 'rel/st-cmd';
  let d: DaemonRun;
  let sub: Awaited<ReturnType<typeof subscriber>>;
  let exit: { code: number | null };
  const responses = () => sub.on(`${P}/response`).map((m) => JSON.parse(m.payload) as Record<string, any>);
  const results = () => sub.on(`${P}/result`).length;

  /** Publish, then wait for the next response (responses are QoS 1 and come back in order). */
  async function ask(name: string, payload: string | Buffer) {
    const before = responses().length;
    await sub.client.publishAsync(`${P}/set/${name}`, payload, { qos: 1 });
    await waitFor(() => responses().length > before, `response to set/${name} ${String(payload)}`, 10_000);
    return responses()[before];
  }

  beforeAll(async () => {
    sub = await subscriber(broker.url, [`${P}/response`, `${P}/result`, `${P}/status`]);
    d = startDaemon(['run', '--config', config('on', 'st-cmd', true)], { limitMs: 55_000 });
    await d.until(() => sub.on(`${P}/status`).some((m) => m.payload === 'online') && results() >= 3, 'daemon online and inspecting');
  }, 30_000);

  afterAll(async () => {
    await sub?.close();
  });

  it('{"id":7,"value":0.42}: ok with id 7, retained threshold state updated, later results use it', async () => {
    const r = await ask('threshold', JSON.stringify({ id: 7, value: 0.42 }));
    expect(r).toMatchObject({ id: 7, command: 'threshold', ok: true, value: 0.42, old: 0.5 });
    // A late subscriber gets the retained state.
    const late = await subscriber(broker.url, [`${P}/threshold`]);
    await waitFor(() => late.on(`${P}/threshold`).length > 0, 'retained threshold', 10_000);
    const state = late.on(`${P}/threshold`).at(-1)!;
    await late.close();
    expect(state.retain).toBe(true);
    expect(JSON.parse(state.payload)).toMatchObject({ value: 0.42, source: 'mqtt' });
    // Frames captured after the response (r.ts, wall clock) were decided with the new threshold;
    // earlier ones may still be in flight or in the 200 ms store batch, so select by capture time.
    const captured = () => sub.on(`${P}/result`).map((m) => JSON.parse(m.payload)).filter((x) => x.ts > r.ts);
    await waitFor(() => captured().length >= 3, 'results captured after the change', 10_000);
    for (const x of captured()) expect(x.threshold).toBe(0.42);
  });

  it('bad payloads get an error response naming the problem; nothing changes', async () => {
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['threshold', '"abc"', /value must be a number/],
      ['threshold', '{"id":"b","value":"x"}', /value must be a number/],
      ['threshold', '{"id":9,"value":5}', /between -1 and 1 \(got 5\)/],
      ['threshold', Buffer.from([0xff, 0xfe, 0x00, 0x7b]), /invalid JSON/],
      ['threshold', 'abc', /invalid JSON/],
      ['save_images', '"sometimes"', /'rejects', 'all' or 'none'/],
      ['reboot', '{}', /unknown command 'reboot'/],
    ];
    for (const [name, payload, msg] of cases) {
      const r = await ask(name, payload);
      expect({ payload: String(payload), ok: r.ok }).toEqual({ payload: String(payload), ok: false });
      expect(r.error).toMatch(msg);
      expect(r.command).toBe(name);
    }
    // ids are echoed when the payload had one
    const all = responses();
    expect(all.find((r) => r.id === 9)?.ok).toBe(false);
    expect(all.find((r) => r.id === 'b')?.ok).toBe(false);
  });

  it('keeps inspecting after the bad commands, stops cleanly, and recorded exactly one threshold change by mqtt', async () => {
    const n = results();
    await d.until(() => results() >= n + 5, 'results after the bad commands');
    exit = await stop(d);
    expect(d.stderr()).toBe('');
    expect(exit.code).toBe(0);
    const changes = withDb(join(t.dir, 'on.db'), (db) => db.prepare('SELECT old, new, who FROM threshold_changes ORDER BY id').all());
    expect(changes).toEqual([
      { old: null, new: 0.5, who: 'config' },
      { old: 0.5, new: 0.42, who: 'mqtt' },
    ]);
  });
});

describe('mqtt.commands: false', () => {
  const P = 'rel/st-nocmd';

  it('does not answer (or act on) set/threshold at all', async () => {
    const sub = await subscriber(broker.url, [`${P}/response`, `${P}/result`, `${P}/status`]);
    const d = startDaemon(['run', '--config', config('off', 'st-nocmd', false)], { limitMs: 40_000 });
    try {
      const results = () => sub.on(`${P}/result`).length;
      await d.until(() => results() >= 3, 'inspecting');
      await sub.client.publishAsync(`${P}/set/threshold`, JSON.stringify({ id: 1, value: 0.1 }), { qos: 1 });
      await sub.client.publishAsync(`${P}/set/threshold`, 'not json', { qos: 1 });
      // A command-enabled daemon answers within a few frames (see above); wait for 20 more results.
      const n = results();
      await d.until(() => results() >= n + 20, 'more results');
      expect(sub.on(`${P}/response`)).toEqual([]);
      for (const m of sub.on(`${P}/result`)) expect(JSON.parse(m.payload).threshold).toBe(0.5);
    } finally {
      const e = await stop(d);
      await sub.close();
      expect(e.code).toBe(0);
    }
    const changes = withDb(join(t.dir, 'off.db'), (db) => db.prepare('SELECT who FROM threshold_changes').all());
    expect(changes).toEqual([{ who: 'config' }]);
  });
});
