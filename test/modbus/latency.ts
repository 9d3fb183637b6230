/**
 * Measures Modbus TCP request → response time on loopback: ~200 sequential FC4 reads of the
 * whole 17-register block, once through modbus-serial's client and once with hand-built frames
 * over node:net (no client library in the loop). Not a test (no timed assertions); run:
 *   npx vite-node test/modbus/latency.ts [reads]
 */
import { connect } from 'node:net';
import ModbusRTU from 'modbus-serial';
import pino from 'pino';
import { EventBus } from '../../src/events/bus.js';
import { startModbus } from '../../src/modbus/server.js';

const N = Number(process.argv[2] ?? 200);
const WARMUP = 20;
const HOST = '127.0.0.1';

function summary(name: string, xs: number[]): void {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(3);
  console.log(`${name.padEnd(28)} n=${s.length}  median ${q(0.5)} ms  p90 ${q(0.9)} ms  p99 ${q(0.99)} ms  max ${s[s.length - 1].toFixed(3)} ms`);
}

const bus = new EventBus();
const mb = await startModbus({
  modbus: { enabled: true, host: HOST, port: 0, unit_id: 1 }, bus, lineLevel: () => 1, log: pino({ level: 'silent' }),
  plcStats: () => ({ expected: 0, decided: 0, passed: 0, rejected: 0, pulses: 0, merged: 0, late: 0, lateDecisions: 0, missed: 0, failed: 0, strobes: 0, inFlight: 2, ready: true }),
});
let seq = 0;
const tick = () => bus.emit('inspected', { station: 's', seq: ++seq, ts: 0, source: 'bench', score: 0.9, score_rule: 'residual_pool', ssim: null, threshold: 0.8, verdict: 'pass', latency_ms: 1, stages: { preprocess_ms: 0, infer_ms: 0, score_ms: 0 } });

// 1. modbus-serial client.
const c = new ModbusRTU();
await c.connectTCP(HOST, { port: mb.port });
c.setID(1);
const lib: number[] = [];
for (let i = 0; i < N + WARMUP; i++) {
  tick();
  const t0 = performance.now();
  await c.readInputRegisters(0, 17);
  if (i >= WARMUP) lib.push(performance.now() - t0);
}
await new Promise<void>((r) => c.close(() => r()));

// 2. Raw frames over node:net: time from write to the last byte of the response.
const sock = connect(mb.port, HOST);
sock.setNoDelay(true);
await new Promise<void>((r) => sock.once('connect', () => r()));
const raw: number[] = [];
let pending: ((b: Buffer) => void) | null = null;
let buf = Buffer.alloc(0);
sock.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  if (buf.length >= 6 && buf.length >= 6 + buf.readUInt16BE(4)) {
    const frame = buf;
    buf = Buffer.alloc(0);
    pending?.(frame);
  }
});
for (let i = 0; i < N + WARMUP; i++) {
  tick();
  const req = Buffer.from([i >> 8, i & 0xff, 0, 0, 0, 6, 1, 4, 0, 0, 0, 17]);
  const t0 = performance.now();
  const res = await new Promise<Buffer>((r) => { pending = r; sock.write(req); });
  const dt = performance.now() - t0;
  if (res.length !== 6 + 3 + 34 || res.readUInt16BE(0) !== i) throw new Error(`bad response ${res.toString('hex')}`);
  if (i >= WARMUP) raw.push(dt);
}
sock.destroy();
await mb.close();

console.log(`Modbus TCP FC4 read of 17 registers on loopback (${HOST}), node ${process.version}`);
summary('modbus-serial client', lib);
summary('raw frames over node:net', raw);
