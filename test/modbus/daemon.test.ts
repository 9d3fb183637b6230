/**
 * Modbus through the built daemon: a PLC polling the station sees the registers follow the
 * parts the daemon decides (map: src/modbus/README.md), and the ready coil while it runs.
 */
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/mosquitto.js';
import { ROOT, replayFolder, startDaemon, tempDir, withDb, writeConfig, type DaemonRun } from '../reliability/daemon.js';

describe('Modbus TCP served by the running daemon', () => {
  const t = tempDir('inspectd-modbus-');
  let d: DaemonRun | undefined;
  const client = new ModbusRTU();

  afterAll(async () => {
    client.close(() => {});
    d?.child.kill('SIGKILL');
    t.cleanup();
  });

  it('mirrors the last decided part and the counters, and reports ready', async () => {
    const frames = replayFolder(t.dir, 12);
    const cfg = writeConfig(join(t.dir, 'c.yaml'), {
      station: 'mb',
      camera: { source: 'replay', path: frames, fps: 20, loop: true },
      model: { path: join(ROOT, 'models/casting-int8.onnx') },
      gpio: { backend: 'sim', sim_log: join(t.dir, 'gpio.jsonl') },
      storage: { database: join(t.dir, 'db.sqlite'), images: join(t.dir, 'images') },
      mqtt: { url: '' },
      http: { enabled: false },
      modbus: { enabled: true, port: 0 },
    });
    d = startDaemon(['run', '--config', cfg]);
    let port = 0;
    await d.until(() => {
      const l = d!.logs().find((x) => x.msg === 'Modbus TCP server listening');
      port = Number(l?.port ?? 0);
      return port > 0;
    }, 'Modbus listening');
    await client.connectTCP('127.0.0.1', { port });
    client.setID(1);
    await d.until(() => d!.logs().some((x) => x.msg === 'inspectd ready'), 'ready');
    // Poll until a few parts are through, then compare that register snapshot with the DB.
    let regs: number[] = [];
    await waitFor(async () => {
      regs = (await client.readInputRegisters(0, 17)).data; // one request = one consistent snapshot
      return regs[8] * 65536 + regs[9] > 3;
    }, 'more than 3 parts decided');
    const coils = (await client.readCoils(0, 4)).data;
    const seq = regs[2] * 65536 + regs[3];
    const inspected = regs[8] * 65536 + regs[9];
    const rejected = regs[10] * 65536 + regs[11];
    expect(regs[0]).toBe(1); // map version
    expect(regs[1]).toBe(inspected); // result counter (below its 65535 wrap here)
    expect(seq).toBe(inspected); // free-running replay: one part per seq
    expect(inspected).toBeGreaterThan(3);
    expect(rejected).toBeLessThanOrEqual(inspected);
    expect(coils[0]).toBe(true); // ready
    // The row for that seq is immutable; once its batch is committed it must match the registers.
    type Row = { score: number; verdict: string };
    let row: Row | undefined;
    await waitFor(() => (row = withDb(join(t.dir, 'db.sqlite'), (db) => db.prepare('SELECT score, verdict FROM inspections WHERE seq = ?').get(seq) as Row | undefined)) !== undefined, `row ${seq} committed`);
    expect(regs[4]).toBe(row!.verdict === 'pass' ? 0 : row!.verdict === 'reject' ? 1 : 2);
    expect((regs[5] << 16) >> 16).toBe(Math.round(row!.score * 1000));
    d.child.kill('SIGTERM');
    const e = await d.exited;
    expect(e.code).toBe(0);
  }, 60_000);
});
