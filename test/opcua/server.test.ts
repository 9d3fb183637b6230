/**
 * The OPC UA server against a real node-opcua client over loopback: browse, read, subscribe,
 * writes through the same command handler as MQTT, and who may connect. The bus, the command
 * handler (src/daemon/commands.ts) and the server are the real ones; only the store behind the
 * handler is a recording fake.
 */
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttributeIds, BrowseDirection, ClientMonitoredItem, ClientSubscription, DataType, MessageSecurityMode, NodeClass, SecurityPolicy, TimestampsToReturn, UserTokenPolicy, UserTokenType,
  type ClientSession, type DataValue, type NotificationMessage,
} from 'node-opcua-client';
import type { OutputLine } from '../../src/actuate/types.js';
import type { PlcStats } from '../../src/actuate/plc.js';
import { EventBus } from '../../src/events/bus.js';
import type { InspectionResult, Verdict } from '../../src/events/types.js';
import { createCommandHandler, type Controls } from '../../src/daemon/commands.js';
import { OpcuaSchema } from '../../src/config/schema.js';
import { openOpcua } from '../../src/opcua/index.js';
import type { OpcuaServer } from '../../src/opcua/types.js';
import { connect, failure, identity, makeClient, type Connected } from './client.js';
import { waitFor } from '../helpers/mosquitto.js';

const log = pino({ level: 'silent' });
const OP = { username: 'op', password: 'op-secret-1' };
const VIEWER = { username: 'viewer', password: 'viewer-secret-2' };

function result(seq: number, verdict: Verdict, score: number | null): InspectionResult {
  return { station: 'cell7', seq, ts: Date.now(), source: 'test', score, score_rule: 'combo', ssim: null, threshold: 0.8, verdict, latency_ms: 3, stages: { preprocess_ms: 1, infer_ms: 1, score_ms: 1 } };
}
const plcStats = (): PlcStats => ({ expected: 0, decided: 0, passed: 0, rejected: 0, pulses: 0, merged: 0, late: 2, lateDecisions: 0, missed: 0, failed: 0, strobes: 0, inFlight: 3, ready: true });

/** A server with the real command handler; `recorded` holds what the handler wrote to the "store". */
async function station(opcua: Record<string, unknown>, dir: string) {
  const bus = new EventBus();
  const levels: Record<OutputLine, 0 | 1> = { ready: 1, heartbeat: 0, reject: 0, result_valid: 0 };
  const controls: Controls = { threshold: 0.8, saveImages: 'rejects', paused: false };
  const recorded: Array<{ old: number | null; new: number; who: string }> = [];
  const states: Array<[string, unknown]> = [];
  const command = createCommandHandler({
    controls, station: 'cell7', log, trigger: () => 0,
    store: { recordThresholdChange: (c) => void recorded.push({ old: c.old, new: c.new, who: c.who }) },
    publishState: (n, p) => void states.push([n, p]),
  });
  const cfg = OpcuaSchema.parse({ enabled: true, port: 0, ...opcua });
  const users = cfg.users.map((u) => ({ username: u.username, role: u.role, password: u.username === 'op' ? OP.password : VIEWER.password }));
  const server = await openOpcua({ opcua: cfg, pkiDir: join(dir, 'pki'), users, station: 'cell7', bus, lineLevel: (l) => levels[l], plcStats, controls, command, log });
  return { bus, controls, recorded, states, server, levels };
}

const nsUri = 'urn:inspectd';
async function nodeId(session: ClientSession, id: string): Promise<string> {
  const ns = (await session.readNamespaceArray()).indexOf(nsUri);
  expect(ns).toBeGreaterThan(0);
  return `ns=${ns};s=${id}`;
}
const read = async (s: ClientSession, id: string): Promise<DataValue> => s.read({ nodeId: await nodeId(s, id), attributeId: AttributeIds.Value });
const writeValue = async (s: ClientSession, id: string, dataType: DataType, value: unknown) => (await s.write({ nodeId: await nodeId(s, id), attributeId: AttributeIds.Value, value: { value: { dataType, value } } })).name;

describe('OPC UA server: sign & encrypt, users with roles, no anonymous', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-opcua-'));
  let st: Awaited<ReturnType<typeof station>>;
  let op: Connected;
  let server: OpcuaServer;

  beforeAll(async () => {
    st = await station({
      users: [{ username: 'op', password_file: 'unused', role: 'operator' }, { username: 'viewer', password_file: 'unused', role: 'observer' }],
      trust_unknown_clients: true,
    }, dir);
    server = st.server;
    op = await connect(server.endpointUrl, { pki: dir, user: OP });
  });
  afterAll(async () => {
    await op?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback on the free port it was given, and keeps its PKI in the given folder', () => {
    expect(server.port).toBeGreaterThan(1024);
    expect(server.endpointUrl).toBe(`opc.tcp://127.0.0.1:${server.port}`);
    expect(existsSync(join(dir, 'pki', 'server', 'own', 'certs', 'certificate.pem'))).toBe(true);
    expect(existsSync(join(dir, 'pki', 'server', 'own', 'private', 'private_key.pem'))).toBe(true);
  });

  it('offers only the configured security: sign & encrypt endpoints, no None endpoint, no anonymous token', async () => {
    const endpoints = await op.client.getEndpoints();
    expect(endpoints.length).toBeGreaterThan(0);
    expect(new Set(endpoints.map((e) => e.securityMode))).toEqual(new Set([MessageSecurityMode.SignAndEncrypt]));
    expect(endpoints.some((e) => e.securityPolicyUri === SecurityPolicy.Basic128Rsa15)).toBe(false);
    const tokens = endpoints.flatMap((e) => (e.userIdentityTokens ?? []).map((t) => t.tokenType));
    expect(tokens).not.toContain(0); // UserTokenType.Anonymous
  });

  it('browses Objects → Inspectd → Lines, LastResult, Counters, Settings with typed variables', async () => {
    const s = op.session;
    expect((await s.readNamespaceArray()).indexOf(nsUri)).toBe(2); // README promises index 2
    const objects = await s.browse('ns=0;i=85');
    const inspectd = objects.references!.find((r) => r.browseName.name === 'Inspectd');
    expect(inspectd).toBeDefined();
    const children = await s.browse({ nodeId: inspectd!.nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HierarchicalReferences', includeSubtypes: true, resultMask: 63 });
    expect(children.references!.map((r) => r.browseName.name).sort()).toEqual(['Counters', 'LastResult', 'Lines', 'Settings', 'Station']);
    const lines = await s.browse(await nodeId(s, 'Lines'));
    const vars = lines.references!.filter((r) => r.nodeClass === NodeClass.Variable).map((r) => r.browseName.name).sort();
    expect(vars).toEqual(['Heartbeat', 'Ready', 'Reject', 'ResultValid']);
    const dataType = async (id: string) => ((await s.read({ nodeId: await nodeId(s, id), attributeId: AttributeIds.DataType })).value.value as { value: number }).value;
    expect(await dataType('Lines.Reject')).toBe(DataType.Boolean);
    expect(await dataType('LastResult.Score')).toBe(DataType.Double);
    expect(await dataType('LastResult.Seq')).toBe(DataType.UInt32);
    expect(await dataType('LastResult.Verdict')).toBe(DataType.String);
    expect(await dataType('Counters.Inspected')).toBe(DataType.UInt32);
    expect(await dataType('Settings.Threshold')).toBe(DataType.Double);
  });

  it('shows "no value yet" before the first part, zero counters, the live lines and the PLC counters', async () => {
    const s = op.session;
    expect((await read(s, 'LastResult.Verdict')).statusCode.name).toBe('BadWaitingForInitialData');
    expect((await read(s, 'LastResult.Score')).statusCode.name).toBe('BadWaitingForInitialData');
    const inspected = await read(s, 'Counters.Inspected');
    expect([inspected.statusCode.name, inspected.value.value]).toEqual(['Good', 0]);
    expect((await read(s, 'Lines.Ready')).value.value).toBe(true);
    expect((await read(s, 'Lines.Reject')).value.value).toBe(false);
    expect((await read(s, 'Counters.InFlight')).value.value).toBe(3);
    expect((await read(s, 'Counters.Late')).value.value).toBe(2);
    expect((await read(s, 'Settings.Threshold')).value.value).toBe(0.8);
    expect((await read(s, 'Inspectd.Station')).value.value).toBe('cell7');
  });

  it('a subscriber sees a reject in the first publish after it happened (pulse edges included)', async () => {
    const s = op.session;
    const sub = ClientSubscription.create(s, { requestedPublishingInterval: 100, requestedMaxKeepAliveCount: 3, requestedLifetimeCount: 100, publishingEnabled: true, priority: 1 });
    // The heartbeat line toggling faster than the publishing interval puts data in every
    // publish response, so "within one interval" is counted in responses, not measured in ms.
    let hb: 0 | 1 = 0;
    const ticker = setInterval(() => st.bus.emit('line', { line: 'heartbeat', value: (hb ^= 1), ts: Date.now() }), 20);
    try {
      const watch = async (id: string, queueSize = 10) => {
        const seen: unknown[] = [];
        const item = ClientMonitoredItem.create(sub, { nodeId: await nodeId(s, id), attributeId: AttributeIds.Value }, { samplingInterval: 0, queueSize, discardOldest: true }, TimestampsToReturn.Both);
        item.on('changed', (dv: DataValue) => seen.push(dv.value.value));
        await new Promise<void>((r) => item.once('initialized', () => r()));
        return { item, seen };
      };
      const verdict = await watch('LastResult.Verdict');
      const reject = await watch('Lines.Reject');
      const rejected = await watch('Counters.Rejected');
      const heartbeat = await watch('Lines.Heartbeat', 1);
      await waitFor(() => rejected.seen.length > 0 && heartbeat.seen.length > 2, 'initial values and a running heartbeat');

      const responses: NotificationMessage[] = [];
      sub.on('raw_notification', (m: NotificationMessage) => responses.push(m));
      // What the daemon does for a rejected part: the result event, then the reject pulse.
      st.bus.emit('inspected', result(41, 'reject', 0.12));
      st.bus.emit('line', { line: 'reject', value: 1, ts: Date.now() });
      // The bus only queues the change; it is in the address space one turn of the loop later.
      await new Promise((r) => setImmediate(r));
      expect((await read(s, 'LastResult.Verdict')).value.value).toBe('reject');
      st.bus.emit('line', { line: 'reject', value: 0, ts: Date.now() });
      const handle = verdict.item.monitoringParameters.clientHandle;
      const hasVerdict = (m: NotificationMessage) => (m.notificationData ?? []).some((n) => (n as { monitoredItems?: Array<{ clientHandle: number }> }).monitoredItems?.some((x) => x.clientHandle === handle));
      await waitFor(() => responses.some(hasVerdict), 'the reject notification');
      // One response may already have been on its way at the emit, one cycle may have run in the
      // same loop turn before the update was applied; the next publish must carry it.
      expect(responses.findIndex(hasVerdict)).toBeLessThanOrEqual(2);
      await waitFor(() => reject.seen.length >= 3, 'both pulse edges');
      expect(verdict.seen.at(-1)).toBe('reject');
      expect(reject.seen.slice(-2)).toEqual([true, false]);
      expect(rejected.seen.at(-1)).toBe(1);
      expect((await read(s, 'LastResult.Seq')).value.value).toBe(41);
      expect((await read(s, 'LastResult.Score')).value.value).toBe(0.12);
      expect((await read(s, 'LastResult.VerdictCode')).value.value).toBe(1);
    } finally {
      clearInterval(ticker);
      await sub.terminate();
    }
  });

  it('refuses a bad threshold with a Bad status and changes nothing (same checks as MQTT set/threshold)', async () => {
    const s = op.session;
    expect(await writeValue(s, 'Settings.Threshold', DataType.Double, 1.5)).toBe('BadOutOfRange');
    expect(await writeValue(s, 'Settings.Threshold', DataType.Double, Number.NaN)).toBe('BadOutOfRange');
    expect(await writeValue(s, 'Settings.Threshold', DataType.String, '0.5')).toBe('BadTypeMismatch');
    expect(st.controls.threshold).toBe(0.8);
    expect(st.recorded).toEqual([]);
    expect((await read(s, 'Settings.Threshold')).value.value).toBe(0.8);
  });

  it('a good write changes the threshold as an MQTT command would: recorded with who, state published', async () => {
    const s = op.session;
    expect(await writeValue(s, 'Settings.Threshold', DataType.Double, 0.42)).toBe('Good');
    expect(st.controls.threshold).toBe(0.42);
    expect(st.recorded).toEqual([{ old: 0.8, new: 0.42, who: 'opcua:op' }]);
    expect(st.states).toContainEqual(['threshold', { value: 0.42, source: 'opcua:op' }]);
    expect((await read(s, 'Settings.Threshold')).value.value).toBe(0.42);
    expect(await writeValue(s, 'Settings.Paused', DataType.Boolean, true)).toBe('Good');
    expect(st.controls.paused).toBe(true);
    expect(st.states).toContainEqual(['paused', { value: true }]);
    expect(await writeValue(s, 'Settings.Paused', DataType.Boolean, false)).toBe('Good');
  });

  it('an observer reads but may not write; nobody writes the results', async () => {
    const viewer = await connect(server.endpointUrl, { pki: dir, user: VIEWER });
    try {
      expect((await read(viewer.session, 'Settings.Threshold')).statusCode.name).toBe('Good');
      expect(await writeValue(viewer.session, 'Settings.Threshold', DataType.Double, 0.5)).toBe('BadUserAccessDenied');
      expect(await writeValue(op.session, 'LastResult.Score', DataType.Double, 0.5)).toMatch(/^Bad(NotWritable|UserAccessDenied)$/);
      expect(st.controls.threshold).toBe(0.42);
    } finally {
      await viewer.close();
    }
  });

  it('a second server on the same port fails with OPCUA_LISTEN naming the address', async () => {
    const cfg = { users: [{ username: 'op', password_file: 'unused' }], port: server.port };
    const err = await station(cfg, join(dir, 'second')).then(async (s2) => (await s2.server.close(), null), (e: unknown) => e as { code?: string; message?: string });
    expect(err?.code).toBe('OPCUA_LISTEN');
    expect(err?.message).toContain(`127.0.0.1:${server.port}`);
  });

  it('refuses anonymous sessions, wrong passwords and unknown users, and an unsecured channel', async () => {
    // The client itself will not send an anonymous token the endpoint does not offer: the
    // endpoint has none (checked above). A hostile client that sends one anyway is refused too.
    expect(await failure(connect(server.endpointUrl, { pki: dir }))).toMatch(/Cannot find ANONYMOUS user token policy/);
    const c = makeClient({ pki: dir });
    await c.connect(server.endpointUrl);
    try {
      // The client learns the endpoint's token policies with its first session.
      const first = await c.createSession(identity(OP));
      await first.close();
      const ep = (c as unknown as { endpoint: { userIdentityTokens: unknown[] } }).endpoint;
      ep.userIdentityTokens.push(new UserTokenPolicy({ policyId: 'anonymous', tokenType: UserTokenType.Anonymous }));
      expect(await failure(c.createSession())).toMatch(/BadIdentityToken(Invalid|Rejected)/);
    } finally {
      await c.disconnect();
    }
    expect(await failure(connect(server.endpointUrl, { pki: dir, user: { username: 'op', password: 'wrong' } }))).toMatch(/BadUserAccessDenied|BadIdentityTokenRejected/);
    expect(await failure(connect(server.endpointUrl, { pki: dir, user: { username: 'nobody', password: OP.password } }))).toMatch(/BadUserAccessDenied|BadIdentityTokenRejected/);
    expect(await failure(connect(server.endpointUrl, { pki: dir, mode: MessageSecurityMode.None, user: OP }))).not.toBe('no error');
  });
});

describe('OPC UA server: anonymous allowed, None and sign & encrypt, unknown client certificates not trusted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inspectd-opcua-anon-'));
  let st: Awaited<ReturnType<typeof station>>;

  beforeAll(async () => {
    st = await station({ security_modes: ['none', 'sign_and_encrypt'], anonymous: true, users: [{ username: 'op', password_file: 'unused' }] }, dir);
  });
  afterAll(async () => {
    await st?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on the unsecured endpoint, user passwords are still encrypted with the server certificate', async () => {
    const c = makeClient({ pki: join(dir, 'probe'), mode: MessageSecurityMode.None });
    await c.connect(st.server.endpointUrl);
    try {
      const none = (await c.getEndpoints()).filter((e) => e.securityMode === MessageSecurityMode.None);
      expect(none.length).toBe(1);
      const passwordPolicies = (none[0].userIdentityTokens ?? []).filter((t) => t.tokenType === UserTokenType.UserName);
      expect(passwordPolicies.length).toBeGreaterThan(0);
      for (const t of passwordPolicies) expect([SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss]).toContain(t.securityPolicyUri);
      expect((none[0].userIdentityTokens ?? []).map((t) => t.tokenType)).toContain(UserTokenType.Anonymous);
    } finally {
      await c.disconnect();
    }
  });

  it('anonymous (asked for) reads over an unsecured channel but may not write', async () => {
    const anon = await connect(st.server.endpointUrl, { pki: join(dir, 'anon'), mode: MessageSecurityMode.None });
    try {
      expect((await read(anon.session, 'Counters.Inspected')).value.value).toBe(0);
      expect(await writeValue(anon.session, 'Settings.Threshold', DataType.Double, 0.5)).toBe('BadUserAccessDenied');
      expect(await writeValue(anon.session, 'Settings.Paused', DataType.Boolean, true)).toBe('BadUserAccessDenied');
      expect(st.controls).toMatchObject({ threshold: 0.8, paused: false });
    } finally {
      await anon.close();
    }
  });

  it("refuses a client whose certificate it does not trust, keeps it in rejected/, and lets it in once an operator moves it to trusted/", async () => {
    const pki = join(dir, 'secure');
    expect(await failure(connect(st.server.endpointUrl, { pki, user: OP }))).not.toBe('no error');
    const rejected = join(dir, 'pki', 'server', 'rejected');
    await waitFor(() => existsSync(rejected) && readdirSync(rejected).some((f) => f.endsWith('.pem') || f.endsWith('.der')), 'the client certificate in rejected/');
    for (const f of readdirSync(rejected)) renameSync(join(rejected, f), join(dir, 'pki', 'server', 'trusted', 'certs', f));
    let ok: Connected | undefined;
    await waitFor(async () => (ok = await connect(st.server.endpointUrl, { pki, user: OP }).catch(() => undefined)) !== undefined, 'a trusted connection');
    try {
      expect(await writeValue(ok!.session, 'Settings.Threshold', DataType.Double, 0.55)).toBe('Good');
      expect(st.recorded).toEqual([{ old: 0.8, new: 0.55, who: 'opcua:op' }]);
    } finally {
      await ok!.close();
    }
  });
});
