import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connect, createServer, type Server, type Socket } from 'node:net';
import ModbusRTU from 'modbus-serial';
import pino from 'pino';
import type { OutputLine } from '../../src/actuate/types.js';
import type { PlcStats } from '../../src/actuate/plc.js';
import { EventBus } from '../../src/events/bus.js';
import type { InspectionResult, Verdict } from '../../src/events/types.js';
import { startModbus } from '../../src/modbus/server.js';
import type { ModbusServer } from '../../src/modbus/types.js';
import { rawRequest } from './raw.js';

const HOST = '127.0.0.1';
const log = pino({ level: 'silent' });

function plcStats(over: Partial<PlcStats> = {}): PlcStats {
  return { expected: 0, decided: 0, passed: 0, rejected: 0, pulses: 0, merged: 0, late: 0, lateDecisions: 0, missed: 0, failed: 0, strobes: 0, inFlight: 0, ready: true, ...over };
}

// ssim differs from the score on purpose: the score register must carry the decision score.
function result(seq: number, verdict: Verdict, score: number | null, threshold = 0.8): InspectionResult {
  return { station: 's1', seq, ts: Date.now(), source: 'test', score, score_rule: 'combo', ssim: score === null ? null : 0.111, threshold, verdict, latency_ms: 3, stages: { preprocess_ms: 1, infer_ms: 1, score_ms: 1 } };
}

const int16 = (w: number) => (w & 0x8000 ? w - 0x10000 : w);
const u32 = (w: number[], at: number) => w[at] * 0x10000 + w[at + 1];

async function client(port: number, unit = 1): Promise<ModbusRTU> {
  const c = new ModbusRTU();
  await c.connectTCP(HOST, { port });
  c.setID(unit);
  c.setTimeout(3000);
  return c;
}

async function modbusCode(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return 'no exception';
  } catch (err) {
    return (err as { modbusCode?: number }).modbusCode ?? `other: ${(err as Error).message}`;
  }
}

describe('Modbus TCP server (real modbus-serial client, real EventBus)', () => {
  const bus = new EventBus();
  const levels: Record<OutputLine, 0 | 1> = { ready: 0, heartbeat: 0, reject: 0, result_valid: 0 };
  let stats = plcStats();
  let mb: ModbusServer;
  let c: ModbusRTU;

  beforeAll(async () => {
    mb = await startModbus({ modbus: { enabled: true, host: HOST, port: 0, unit_id: 1 }, bus, lineLevel: (l) => levels[l], plcStats: () => stats, log });
    c = await client(mb.port);
  });
  afterAll(async () => {
    await new Promise<void>((r) => c?.close(() => r()));
    await mb?.close();
  });

  it('listens on the free port it was given (port: 0), not on 502', () => {
    expect(mb.port).toBeGreaterThan(1024);
    expect(mb.port).not.toBe(5020);
  });

  it('serves the empty map before any part: version, no verdict, no score', async () => {
    const { data } = await c.readInputRegisters(0, 17);
    expect(data[0]).toBe(1); // map version
    expect(data[1]).toBe(0); // result counter
    expect(u32(data, 2)).toBe(0);
    expect(data[4]).toBe(0xffff);
    expect(int16(data[5])).toBe(-32768);
    expect(data.slice(8, 17)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('follows inspected events: seq, verdict, score ×1000, counters, result counter', async () => {
    bus.emit('inspected', result(70_000, 'pass', 0.9876));
    let { data } = await c.readInputRegisters(0, 17);
    expect(data[1]).toBe(1);
    expect([data[2], data[3]]).toEqual([1, 4464]); // high word first
    expect(u32(data, 2)).toBe(70_000);
    expect(data[4]).toBe(0);
    expect(int16(data[5])).toBe(988);
    expect(int16(data[6])).toBe(800);
    expect(u32(data, 8)).toBe(1);

    bus.emit('inspected', result(70_001, 'reject', 0.4321));
    ({ data } = await c.readInputRegisters(0, 17));
    expect(data[1]).toBe(2);
    expect(u32(data, 2)).toBe(70_001);
    expect(data[4]).toBe(1);
    expect(int16(data[5])).toBe(432);
    expect([u32(data, 8), u32(data, 10), u32(data, 12)]).toEqual([2, 1, 0]);

    bus.emit('inspected', result(70_002, 'error', null));
    bus.emit('inspected', result(0x1_0002_0003, 'reject', -0.25)); // seq beyond 32 bits wraps
    ({ data } = await c.readInputRegisters(0, 17));
    expect(data[1]).toBe(4);
    expect([data[2], data[3]]).toEqual([2, 3]);
    expect(int16(data[5])).toBe(-250);
    expect([u32(data, 8), u32(data, 10), u32(data, 12)]).toEqual([4, 2, 1]);

    bus.emit('inspected', result(70_004, 'error', null));
    ({ data } = await c.readInputRegisters(4, 2));
    expect(data[0]).toBe(2);
    expect(int16(data[1])).toBe(-32768);
    expect(bus.sinkErrors.size).toBe(0);
  });

  it('holding registers mirror the input registers, also read one word at a time', async () => {
    stats = plcStats({ inFlight: 3, late: 0x1_0005 });
    const ir = (await c.readInputRegisters(0, 17)).data;
    const hr = (await c.readHoldingRegisters(0, 17)).data;
    expect(hr).toEqual(ir);
    expect(ir[16]).toBe(3);
    expect(u32(ir, 14)).toBe(0x1_0005);
    expect((await c.readHoldingRegisters(16, 1)).data).toEqual([3]);
    expect((await c.readInputRegisters(3, 1)).data).toEqual([ir[3]]);
  });

  it('coils and discrete inputs follow the live line levels; register 7 packs them', async () => {
    Object.assign(levels, { ready: 1, heartbeat: 0, reject: 1, result_valid: 0 });
    expect((await c.readCoils(0, 4)).data.slice(0, 4)).toEqual([true, false, true, false]);
    expect((await c.readDiscreteInputs(0, 4)).data.slice(0, 4)).toEqual([true, false, true, false]);
    expect((await c.readHoldingRegisters(7, 1)).data).toEqual([0b0101]);
    Object.assign(levels, { ready: 0, heartbeat: 1, reject: 0, result_valid: 1 });
    expect((await c.readCoils(0, 4)).data.slice(0, 4)).toEqual([false, true, false, true]);
    expect((await c.readCoils(3, 1)).data[0]).toBe(true);
    expect((await c.readDiscreteInputs(1, 1)).data[0]).toBe(true);
    expect((await c.readInputRegisters(7, 1)).data).toEqual([0b1010]);
  });

  it('refuses every write with exception 1 and changes nothing', async () => {
    const before = (await c.readHoldingRegisters(0, 17)).data;
    expect(await modbusCode(c.writeCoil(2, true))).toBe(1);
    expect(await modbusCode(c.writeCoils(0, [true, true, true, true]))).toBe(1);
    expect(await modbusCode(c.writeRegister(4, 0))).toBe(1);
    expect(await modbusCode(c.writeRegisters(0, [9, 9, 9]))).toBe(1);
    expect((await c.readHoldingRegisters(0, 17)).data).toEqual(before);
    expect(levels.reject).toBe(0);
  });

  it('answers out-of-range addresses with exception 2', async () => {
    expect(await modbusCode(c.readInputRegisters(17, 1))).toBe(2);
    expect(await modbusCode(c.readInputRegisters(15, 3))).toBe(2);
    expect(await modbusCode(c.readHoldingRegisters(1000, 2))).toBe(2);
    expect(await modbusCode(c.readCoils(4, 1))).toBe(2);
    expect(await modbusCode(c.readCoils(2, 3))).toBe(2);
    expect(await modbusCode(c.readDiscreteInputs(100, 1))).toBe(2);
    // The connection is still good afterwards.
    expect((await c.readInputRegisters(0, 1)).data).toEqual([1]);
  });

  it('answers its unit id, 0 and 255; another unit id gets exception 0x0B at once', async () => {
    for (const unit of [0, 255]) {
      const o = await client(mb.port, unit);
      expect((await o.readInputRegisters(0, 1)).data).toEqual([1]);
      await new Promise<void>((r) => o.close(() => r()));
    }
    const other = await client(mb.port, 7);
    expect(await modbusCode(other.readInputRegisters(0, 1))).toBe(0x0b);
    expect(await modbusCode(other.readCoils(0, 1))).toBe(0x0b);
    await new Promise<void>((r) => other.close(() => r()));
  });

  it('puts the exact bytes on the wire for a hand-built MBAP + FC4 frame (no Modbus library on the client side)', async () => {
    bus.emit('inspected', result(0x0a0b0c0d, 'reject', 0.5, 0.75));
    Object.assign(levels, { ready: 1, heartbeat: 1, reject: 0, result_valid: 0 });
    // tid 0x1234, protocol 0, length 6, unit 1, FC4, start 0, quantity 8
    const res = await rawRequest(HOST, mb.port, [Buffer.from('1234000000060104' + '0000' + '0008', 'hex')]);
    expect(res.toString('hex')).toBe(
      '1234' + '0000' + '0013' + '01' + '04' + '10' +
      '0001' + '0006' + '0a0b' + '0c0d' + '0001' + '01f4' + '02ee' + '0003',
    );
    // An illegal address: exception response FC 0x84, code 2.
    const exc = await rawRequest(HOST, mb.port, [Buffer.from('beef000000060104' + '0011' + '0001', 'hex')]);
    expect(exc.toString('hex')).toBe('beef' + '0000' + '0003' + '01' + '84' + '02');
    // FC1 read of the 4 coils: one data byte, bit n = coil n.
    const coils = await rawRequest(HOST, mb.port, [Buffer.from('0001000000060101' + '0000' + '0004', 'hex')]);
    expect(coils.toString('hex')).toBe('0001' + '0000' + '0004' + '01' + '01' + '01' + '03');
  });

  it('answers bad quantities and unsupported function codes with the documented exceptions', async () => {
    const ask = async (hex: string) => (await rawRequest(HOST, mb.port, [Buffer.from(hex, 'hex')])).toString('hex');
    expect(await ask('0001000000060104' + '0000' + '007e')).toBe('000100000003018403'); // 126 registers: 3
    expect(await ask('0001000000060104' + '0000' + '0080')).toBe('000100000003018404'); // 128: 4 (library)
    expect(await ask('0001000000060103' + '0000' + '0000')).toBe('000100000003018302'); // 0: 2 (library)
    expect(await ask('00010000000d0117' + '0000000100000001' + '0200ff')).toBe('000100000003019701'); // FC23
    expect(await ask('000100000008011600040000ffff')).toBe('000100000003019601'); // FC22 mask write
    expect(await ask('000100000005012b0e0100')).toBe('00010000000301ab01'); // FC43/14 device id
    expect(await ask('000100000006070500020000')).toBe('00010000000307850b'); // write to another unit: 0x0B first
  });

  it('answers two pipelined requests sent in one TCP segment, and a request split across segments', async () => {
    const two = Buffer.from('000700000006010300010001' + '000800000006010400070001', 'hex');
    const res = await rawRequest(HOST, mb.port, [two], 2);
    expect(res.toString('hex')).toBe('0007000000050103020006' + '0008000000050104020003');
    const split = await rawRequest(HOST, mb.port, [Buffer.from('00090000', 'hex'), Buffer.from('000601040001', 'hex'), Buffer.from('0001', 'hex')]);
    expect(split.toString('hex')).toBe('0009000000050104020006');
  });
});

describe('Modbus TCP server lifecycle', () => {
  it('close() stops listening, drops connected clients, unsubscribes, and is idempotent', async () => {
    const bus = new EventBus();
    const mb = await startModbus({ modbus: { enabled: true, host: HOST, port: 0, unit_id: 1 }, bus, lineLevel: () => 0, plcStats: () => plcStats(), log });
    const sock: Socket = connect(mb.port, HOST);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    await Promise.all([mb.close(), mb.close()]);
    await mb.close();
    await closed;
    const err = await new Promise<NodeJS.ErrnoException>((r) => connect(mb.port, HOST).once('error', r));
    expect(err.code).toBe('ECONNREFUSED');
    // The bus listener is gone: emitting reaches no sink (and nothing throws).
    expect((bus as unknown as { listeners: Map<string, unknown[]> }).listeners.get('inspected')).toEqual([]);
    bus.emit('inspected', result(1, 'pass', 0.9));
    expect(bus.sinkErrors.size).toBe(0);
  });

  it('fails with MODBUS_LISTEN when the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, HOST, () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const bus = new EventBus();
      await expect(startModbus({ modbus: { enabled: true, host: HOST, port, unit_id: 1 }, bus, lineLevel: () => 0, plcStats: () => plcStats(), log }))
        .rejects.toMatchObject({ code: 'MODBUS_LISTEN', context: { host: HOST, port } });
      expect((bus as unknown as { listeners: Map<string, unknown[]> }).listeners.get('inspected')).toEqual([]);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
