/**
 * OPC UA and Sparkplug B through the BUILT daemon with a real mosquitto: an OPC UA write changes
 * the threshold as an MQTT command would (SQLite audit row, retained MQTT state, the next parts
 * judged against it); the Sparkplug node births, reports real parts, dies with its will when the
 * process is killed, and the next run births with the next bdSeq (kept in SQLite).
 */
import { existsSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sparkplug from 'sparkplug-payload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeIds, DataType } from 'node-opcua-client';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { connect, failure, type Connected } from '../opcua/client.js';
import { stationConfig, startDaemon, tempDir, withDb, type DaemonRun } from './daemon.js';

const codec = sparkplug.get('spBv1.0')!;
const t = tempDir('plant');
let broker: Broker;
let sub: Awaited<ReturnType<typeof subscriber>>;
let d: DaemonRun | undefined;
let config: string;
/** Lines of stdout that are not JSON (node-opcua printing past the log). */
const stray = (run: DaemonRun) => run.stdout().split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));

const spb = (type: string) =>
  sub.msgs.filter((m) => m.topic.startsWith(`spBv1.0/line3/${type}/`)).map((m) => {
    const p = codec.decodePayload(Buffer.from(m.payload, 'latin1'));
    return { seq: p.seq === null || p.seq === undefined ? null : Number(p.seq), metrics: Object.fromEntries((p.metrics ?? []).map((x) => [x.name, x.isNull ? null : typeof x.value === 'object' && x.value !== null && 'low' in x.value ? Number(x.value) : x.value])) };
  });
const opcuaPort = (run: DaemonRun) => Number(run.logs().find((l) => l.msg === 'OPC UA server listening')?.port ?? 0);

beforeAll(async () => {
  broker = await startMosquitto();
  sub = await subscriber(broker.url, ['spBv1.0/#', 'rel/st-plant/#'], {});
  // Sparkplug payloads are binary: keep them byte for byte.
  sub.client.removeAllListeners('message');
  sub.client.on('message', (topic, payload, packet) => sub.msgs.push({ topic, payload: payload.toString('latin1'), retain: packet.retain }));
  writeFileSync(join(t.dir, 'op-password'), 'plant-op-pw\n');
  config = stationConfig(t.dir, { station: 'st-plant', frames: 6, fps: 10, loop: true }, {
    mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60, sparkplug: { enabled: true, group_id: 'line3' } },
    opcua: { enabled: true, port: 0, users: [{ username: 'op', password_file: './op-password' }] },
  });
}, 60_000);

afterAll(async () => {
  await sub?.close();
  if (d && !d.status()) {
    d.child.kill('SIGKILL');
    await d.exited;
  }
  await broker?.close();
  t.cleanup();
});

describe('OPC UA and Sparkplug B on the built daemon (real mosquitto)', () => {
  let ua: Connected | undefined;
  const ns = async () => (await ua!.session.readNamespaceArray()).indexOf('urn:inspectd');

  it('serves OPC UA with its PKI beside the database; a good write changes the threshold as an MQTT command would', async () => {
    d = startDaemon(['run', '--config', config], { cwd: t.dir, limitMs: 100_000 });
    await d.until(() => opcuaPort(d!) > 0 && d!.logs().some((l) => l.msg === 'inspectd ready'), 'OPC UA listening and ready', 40_000);
    expect(existsSync(join(t.dir, 'opcua-pki', 'server', 'own', 'certs', 'certificate.pem'))).toBe(true);
    // trust_unknown_clients is off: the first attempt is refused and leaves the client's
    // certificate in rejected/; moving it to trusted/ (README "OPC UA server") lets it in.
    const url = `opc.tcp://127.0.0.1:${opcuaPort(d)}`;
    const opts = { pki: t.dir, user: { username: 'op', password: 'plant-op-pw' } };
    expect(await failure(connect(url, opts))).toMatch(/BadSecurityChecksFailed|BadCertificateUntrusted/);
    const pki = join(t.dir, 'opcua-pki', 'server');
    await waitFor(() => existsSync(join(pki, 'rejected')) && readdirSync(join(pki, 'rejected')).length > 0, 'client certificate in rejected/');
    for (const f of readdirSync(join(pki, 'rejected'))) renameSync(join(pki, 'rejected', f), join(pki, 'trusted', 'certs', f));
    await waitFor(async () => (ua = await connect(url, opts).catch(() => undefined)) !== undefined, 'a trusted OPC UA session');
    const n = await ns();
    const read = async (id: string) => (await ua!.session.read({ nodeId: `ns=${n};s=${id}`, attributeId: AttributeIds.Value })).value.value as unknown;
    await waitFor(async () => Number(await read('Counters.Inspected')) > 2, 'parts counted over OPC UA');
    expect(await read('Lines.Ready')).toBe(true);

    const write = async (v: number) => (await ua!.session.write({ nodeId: `ns=${n};s=Settings.Threshold`, attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: v } } })).name;
    expect(await write(2)).toBe('BadOutOfRange');
    expect(await write(0.33)).toBe('Good');
    // The same trail an MQTT set/threshold leaves: the retained state, the audit row, the parts after it.
    await waitFor(() => sub.on('rel/st-plant/threshold').some((m) => JSON.parse(m.payload).value === 0.33), 'retained threshold state on MQTT');
    expect(JSON.parse(sub.on('rel/st-plant/threshold').at(-1)!.payload)).toEqual({ value: 0.33, source: 'opcua:op' });
    const changes = withDb(join(t.dir, 'inspectd.db'), (db) => db.prepare('SELECT old, new, who FROM threshold_changes ORDER BY id').all() as Array<{ new: number; who: string }>);
    expect(changes.at(-1)).toMatchObject({ new: 0.33, who: 'opcua:op' });
    expect(changes.some((c) => c.new === 2)).toBe(false);
    await waitFor(async () => (await read('LastResult.Threshold')) === 0.33, 'a part judged against the new threshold');
  });

  it('Sparkplug: NBIRTH then DBIRTH, DDATA for real parts; a killed process leaves NDEATH (the will) with the NBIRTH bdSeq', async () => {
    await waitFor(() => spb('DDATA').length > 2, 'DDATA from decided parts');
    const [nb] = spb('NBIRTH');
    const [db] = spb('DBIRTH');
    expect(nb.seq).toBe(0);
    expect(nb.metrics).toMatchObject({ bdSeq: 0, 'Node Control/Rebirth': false, 'Properties/Station': 'st-plant' });
    expect(db.seq).toBe(1);
    const dd = spb('DDATA');
    expect(dd[0].seq).toBe(2);
    expect(Number(dd.at(-1)!.metrics['Counts/Inspected'])).toBeGreaterThan(0);
    expect(['pass', 'reject', 'error']).toContain(dd.at(-1)!.metrics['Last/Verdict']);

    await ua?.close();
    ua = undefined;
    expect(stray(d!)).toEqual([]);
    d!.child.kill('SIGKILL');
    await d!.exited;
    await waitFor(() => spb('NDEATH').length === 1, 'NDEATH after SIGKILL');
    expect(spb('NDEATH')[0]).toEqual({ seq: null, metrics: { bdSeq: 0 } });
  });

  it('the next run births with the next bdSeq and reuses the OPC UA certificate', async () => {
    const cert = join(t.dir, 'opcua-pki', 'server', 'own', 'certs', 'certificate.pem');
    const before = statSync(cert).mtimeMs;
    d = startDaemon(['run', '--config', config], { cwd: t.dir, limitMs: 100_000 });
    await waitFor(() => spb('NBIRTH').length === 2, 'second NBIRTH', 40_000);
    expect(spb('NBIRTH')[1].metrics.bdSeq).toBe(1);
    await d.until(() => opcuaPort(d!) > 0, 'OPC UA listening again', 40_000);
    expect(statSync(cert).mtimeMs).toBe(before);
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    // A clean stop says NDEATH itself, with this run's bdSeq.
    await waitFor(() => spb('NDEATH').length === 2, 'NDEATH on a clean stop');
    expect(spb('NDEATH')[1].metrics).toEqual({ bdSeq: 1 });
    // node-opcua's own console output went to the log: stdout is JSON lines only.
    expect(stray(d)).toEqual([]);
  });
});
