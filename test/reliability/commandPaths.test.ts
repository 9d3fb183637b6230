/**
 * One validation for both command paths, against the built daemon with a real mosquitto and its
 * real HTTP server: the same threshold body sent as MQTT `set/threshold` and as POST
 * /api/threshold gets the same verdict and the same error text, and a refused one changes
 * nothing. Also: names found on Object.prototype are unknown commands over MQTT, with an answer.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, replayFolder, startDaemon, tempDir, withDb, writeConfig, type DaemonRun } from './daemon.js';

const P = 'rel/st-paths';
let broker: Broker;
let d: DaemonRun;
let sub: Awaited<ReturnType<typeof subscriber>>;
let web: string;
const t = tempDir('paths');

const responses = () => sub.on(`${P}/response`).map((m) => JSON.parse(m.payload) as Record<string, any>);

async function overMqtt(name: string, text: string): Promise<Record<string, any>> {
  const before = responses().length;
  await sub.client.publishAsync(`${P}/set/${name}`, text, { qos: 1 });
  await waitFor(() => responses().length > before, `response to set/${name} ${text.slice(0, 60)}`, 15_000);
  return responses()[before];
}

function overHttp(path: string, text: string): Promise<{ status: number; body: Record<string, any> }> {
  const u = new URL(path, web);
  return new Promise((resolve, reject) => {
    const r = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'Content-Type': 'application/json' } }, (m) => {
      const chunks: Buffer[] = [];
      m.on('data', (c: Buffer) => chunks.push(c));
      m.on('end', () => resolve({ status: m.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    r.on('error', reject);
    r.end(text);
  });
}

beforeAll(async () => {
  broker = await startMosquitto();
  sub = await subscriber(broker.url, [`${P}/response`, `${P}/result`, `${P}/status`]);
  const config = writeConfig(join(t.dir, 'paths.yaml'), {
    station: 'st-paths',
    camera: { source: 'replay', path: replayFolder(join(t.dir, 'frames'), 12), fps: 10, loop: true },
    model: { path: FIXTURE_MODEL },
    gpio: { backend: 'sim', sim_log: 'paths.gpio.jsonl', pulse_ms: 5, strobe_ms: 1 },
    storage: { database: 'paths.db', images: 'paths-images', save_images: 'none' },
    mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60 },
    http: { enabled: true, host: '127.0.0.1', port: 0 },
  });
  d = startDaemon(['run', '--config', config], { cwd: t.dir, limitMs: 100_000 });
  await d.until(() => sub.on(`${P}/status`).some((m) => m.payload === 'online') && d.logs().some((l) => l.msg === 'dashboard listening'), 'daemon online on MQTT and HTTP', 40_000);
  web = String(d.logs().find((l) => l.msg === 'dashboard listening')!.url);
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

const long = (n: number) => 'x'.repeat(n);
/** Raw JSON text, sent byte for byte on both paths. */
const REFUSED: Array<[string, string]> = [
  ['NUL in who', JSON.stringify({ value: 0.3, who: 'a\u0000b' })],
  ['newline in who', JSON.stringify({ value: 0.3, who: 'line1\nline2' })],
  ['ESC in who', JSON.stringify({ value: 0.3, who: '\u001b[31mred' })],
  ['NUL in reason', JSON.stringify({ value: 0.3, reason: 'r\u0000' })],
  ['newline in reason', JSON.stringify({ value: 0.3, reason: 'a\r\nb' })],
  ['ESC in reason', JSON.stringify({ value: 0.3, reason: '\u001b]0;title\u0007' })],
  ['"0x1"', JSON.stringify({ value: '0x1' })],
  ['" 0.5 "', JSON.stringify({ value: ' 0.5 ' })],
  ['"1e-400"', JSON.stringify({ value: '1e-400' })],
  ['"NaN"', JSON.stringify({ value: 'NaN' })],
  ['"Infinity"', JSON.stringify({ value: 'Infinity' })],
  ['"-Infinity"', JSON.stringify({ value: '-Infinity' })],
  ['NaN as a bare JSON token', '{"value": NaN}'],
  ['1e400 overflowing to Infinity', JSON.stringify({ value: '1e400' })],
  ['-1.5', JSON.stringify({ value: -1.5 })],
  ['"-2"', JSON.stringify({ value: '-2' })],
  ['empty value', JSON.stringify({ value: '' })],
  ['no value', JSON.stringify({ who: 'anna' })],
  ['value true', JSON.stringify({ value: true })],
  ['blank who', JSON.stringify({ value: 0.3, who: '   ' })],
  ['numeric who', JSON.stringify({ value: 0.3, who: 12 })],
  ['very long who', JSON.stringify({ value: 0.3, who: long(65) })],
  ['very long reason', JSON.stringify({ value: 0.3, reason: long(5000) })],
  ['very long numeric string', JSON.stringify({ value: `0.${'1'.repeat(5000)}` })],
  ['raw NUL byte inside a JSON string', '{"value": 0.3, "who": "a\u0000b"}'],
];
const ACCEPTED: Array<[string, string, number]> = [
  ['-1 (the bottom of the range, as in model.threshold)', JSON.stringify({ value: -1, who: 'edge' }), -1],
  ['"0.25" (a strict decimal string)', JSON.stringify({ value: '0.25' }), 0.25],
  ['empty who and reason (= not given)', JSON.stringify({ value: 0.35, who: '', reason: '' }), 0.35],
];

describe('MQTT and HTTP give the same answer to the same threshold body', () => {
  it.each(REFUSED)('%s: refused on both paths with the same error, nothing applied', async (_what, text) => {
    const m = await overMqtt('threshold', text);
    const h = await overHttp('/api/threshold', text);
    expect(m.ok).toBe(false);
    expect(h.status).toBe(400);
    expect(h.body.ok).toBe(false);
    expect(h.body.error).toBe(m.error);
    expect(m.error).toMatch(/^(threshold: (value|who|reason) must|invalid JSON)/);
    // The answer never carries the control characters it refused.
    expect(m.error).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it.each(ACCEPTED)('%s: accepted on both paths', async (_what, text, value) => {
    const m = await overMqtt('threshold', text);
    const h = await overHttp('/api/threshold', text);
    expect({ ok: m.ok, value: m.value }).toEqual({ ok: true, value });
    expect(h.status).toBe(200);
    expect({ ok: h.body.ok, value: h.body.value, threshold: h.body.threshold }).toEqual({ ok: true, value, threshold: value });
  });

  it('recorded only the accepted changes, with the path default for an absent who', () => {
    const rows = withDb(join(t.dir, 'paths.db'), (db) => db.prepare('SELECT new, who FROM threshold_changes ORDER BY id').all());
    expect(rows).toEqual([
      { new: 0.5, who: 'config' },
      ...ACCEPTED.flatMap(([, text, value]) => {
        const who = (JSON.parse(text) as { who?: string }).who || null;
        return [{ new: value, who: who ?? 'mqtt' }, { new: value, who: who ?? 'dashboard' }];
      }),
    ]);
  });
});

describe('Object.prototype names over MQTT', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])('set/%s is an unknown command with an error response', async (name) => {
    const r = await overMqtt(name, JSON.stringify({ id: name, value: 0.1 }));
    expect(r).toMatchObject({ id: name, command: name, ok: false });
    expect(r.error).toBe(`unknown command '${name}' (known: threshold, pause, resume, paused, save_images, trigger)`);
  });

  it('the daemon is still inspecting, unpaused, and stops cleanly', async () => {
    const n = sub.on(`${P}/result`).length;
    await d.until(() => sub.on(`${P}/result`).length >= n + 3, 'results after the bad commands', 30_000);
    d.child.kill('SIGTERM');
    const exit = await d.exited;
    expect(d.stderr()).toBe('');
    expect(exit.code).toBe(0);
  });
});
