/**
 * Camera faults through the built daemon: `camera.source: libcamera` whose executable is a
 * stand-in written here (a node script that writes real sample JPEGs to stdout as MJPEG, then
 * hangs or exits, following a per-run plan). The daemon must publish each fault on MQTT, restart
 * the camera with back-off, and once the camera failed more than `max_restarts` times in a row
 * make the fault fatal: `ready` drops on the (simulated) PLC line, watchdog pings end, exit 1 so
 * systemd restarts it.
 *
 * Plan (stall_ms 500, max_restarts 2; restart back-off 500 ms doubling, src/capture/process.ts):
 *   run 0: 3 frames, then hangs        → CAMERA_STALLED (not fatal), restart in 500 ms
 *   run 1: 2 frames, then exits 1      → CAMERA_EXITED (frames flowed: failures reset) → 500 ms
 *   run 2: exits 1 at once             → CAMERA_EXITED, 2nd failure in a row → 1000 ms
 *   run 3: exits 1 at once             → CAMERA_EXITED, 3rd > max_restarts → fatal
 *
 * systemd's notify socket is a real AF_UNIX datagram socket (Debian's python3 binds it here), so
 * READY=1 / WATCHDOG=1 / STATUS= / STOPPING=1 are what systemd would receive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, readSimLog, rises, sampleFiles, startDaemon, tempDir, withDb, writeConfig, settles, type LineChange } from './daemon.js';

const STAND_IN = String.raw`
const fs = require('node:fs');
const [stateFile, ...jpegFiles] = JSON.parse(process.env.STANDIN || '[]');
const plan = [{ frames: 3, then: 'hang' }, { frames: 2, then: 'exit' }, { frames: 0, then: 'exit' }];
let run = 0;
try { run = Number(fs.readFileSync(stateFile, 'utf8')) || 0; } catch {}
fs.writeFileSync(stateFile, String(run + 1));
const step = plan[Math.min(run, plan.length - 1)];
process.stderr.write('stand-in rpicam-vid run ' + run + ' args ' + process.argv.slice(2).join(' ') + '\n');
const jpegs = jpegFiles.map((f) => fs.readFileSync(f));
(async () => {
  for (let i = 0; i < step.frames; i++) {
    process.stdout.write(jpegs[i % jpegs.length]);
    await new Promise((r) => setTimeout(r, 30));
  }
  if (step.then === 'exit') { process.stderr.write('ERROR: *** no cameras available ***\n'); setTimeout(() => process.exit(1), 10); }
  else setInterval(() => {}, 1000);
})();
`;

const RECEIVER = String.raw`
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"bound": True}), flush=True)
while True:
    d = s.recv(65536)
    print(json.dumps({"t": time.time() * 1000, "msg": d.decode()}), flush=True)
`;

describe('camera process faults: restart with back-off, publish, then fatal (built daemon)', () => {
  const t = tempDir('camera');
  let broker: Broker;
  let sub: Awaited<ReturnType<typeof subscriber>>;
  let receiver: ChildProcess;
  let notes: Array<{ t: number; msg: string }> = [];
  let exit: { code: number | null };
  let logs: Array<Record<string, any>> = [];
  let stderr = '';
  let sim: LineChange[] = [];

  beforeAll(async () => {
    const script = join(t.dir, 'stand-in.cjs');
    writeFileSync(script, STAND_IN);
    // An executable file, as rpicam-vid is; node by absolute path (PATH may not have it).
    const exe = join(t.dir, 'rpicam-vid');
    writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`);
    chmodSync(exe, 0o755);

    const sock = join(t.dir, 'notify.sock');
    receiver = spawn('/usr/bin/python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    let bound = false;
    receiver.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const o = JSON.parse(l);
        if (o.bound) bound = true;
        else notes.push(o);
      }
    });
    await waitFor(() => bound, 'notify socket bound', 10_000);

    broker = await startMosquitto();
    sub = await subscriber(broker.url, ['rel/st-cam/fault', 'rel/st-cam/result']);
    const cfg = writeConfig(join(t.dir, 'config.yaml'), {
      station: 'st-cam',
      camera: { source: 'libcamera', executable: exe, fps: 30, width: 320, height: 240, stall_ms: 500, max_restarts: 2 },
      model: { path: FIXTURE_MODEL },
      // gpio.stall_ms long: only the fatal fault (not the PLC's own stall logic) may drop ready.
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 5, strobe_ms: 1, stall_ms: 60000 },
      storage: { database: 'inspectd.db', images: 'images', save_images: 'none' },
      mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60 },
      http: { enabled: false },
    });
    const d = startDaemon(['run', '--config', cfg], {
      limitMs: 40_000,
      env: {
        NOTIFY_SOCKET: sock,
        WATCHDOG_USEC: '200000', // pings every 100 ms
        STANDIN: JSON.stringify([join(t.dir, 'runs'), ...sampleFiles().slice(0, 3)]),
      },
    });
    exit = await d.exited;
    logs = d.logs();
    stderr = d.stderr();
    sim = readSimLog(join(t.dir, 'gpio.jsonl'));
    // MQTT and the notify socket may still be delivering: until the fatal fault, the five results
    // and STOPPING=1 are in (the tests below say what is missing if they never are).
    await settles(
      () => sub.on('rel/st-cam/fault').some((m) => JSON.parse(m.payload).fatal === true) && sub.on('rel/st-cam/result').length >= 5 && notes.some((n) => n.msg.includes('STOPPING=1')),
      10_000,
    );
  }, 60_000);

  afterAll(async () => {
    receiver?.kill('SIGKILL');
    await sub?.close();
    await broker?.close();
    t.cleanup();
  });

  it('ran the stand-in four times and exits 1 (fatal fault: systemd restarts the service)', () => {
    expect(Number(readFileSync(join(t.dir, 'runs'), 'utf8'))).toBe(4);
    expect(stderr).toBe('');
    expect(exit.code).toBe(1);
    expect(logs.some((l) => l.msg === 'fatal' && /CAMERA_FATAL|no cameras available/.test(JSON.stringify(l.err)))).toBe(true);
  });

  it('inspected the frames the camera delivered', () => {
    const n = withDb(join(t.dir, 'inspectd.db'), (db) => (db.prepare('SELECT count(*) n FROM inspections').get() as { n: number }).n);
    expect(n).toBe(5);
    expect(sub.on('rel/st-cam/result').length).toBe(5);
  });

  it('published every fault, the last one fatal', () => {
    const faults = sub.on('rel/st-cam/fault').map((m) => JSON.parse(m.payload) as { code: string; fatal: boolean; message: string });
    expect(faults.map((f) => [f.code, f.fatal])).toEqual([
      ['CAMERA_STALLED', false],
      ['CAMERA_EXITED', false],
      ['CAMERA_EXITED', false],
      ['CAMERA_EXITED', true],
    ]);
    // The camera's own stderr travels with the fault, for the operator.
    expect(faults[1].message).toContain('no cameras available');
  });

  it('restarted with exponential back-off between attempts', () => {
    const delays = logs.filter((l) => typeof l.restart_in_ms === 'number').map((l) => l.restart_in_ms);
    expect(delays).toEqual([500, 500, 1000]);
  });

  it('ready was up while inspecting and dropped on the fatal fault; every output ends safe', () => {
    expect(rises(sim, 'ready').length).toBeGreaterThanOrEqual(1);
    const fatalTs = (sub.on('rel/st-cam/fault').map((m) => JSON.parse(m.payload)).find((f) => f.fatal) as { ts: number }).ts;
    const drop = sim.filter((c) => c.line === 'ready' && c.value === 0).at(-1)!;
    expect(drop.t).toBeGreaterThanOrEqual(fatalTs - 1);
    for (const line of ['reject', 'ready', 'heartbeat', 'result_valid'] as const) expect(sim.filter((c) => c.line === line).at(-1)?.value).toBe(0);
  });

  it('systemd saw READY=1, watchdog pings, the fault status, and no ping after it', () => {
    const msgs = notes.map((n) => n.msg);
    const ready = msgs.findIndex((m) => m.split('\n').includes('READY=1'));
    const fault = msgs.findIndex((m) => /STATUS=fault: CAMERA_/.test(m));
    expect(ready).toBeGreaterThanOrEqual(0);
    expect(fault).toBeGreaterThan(ready);
    expect(msgs.slice(ready, fault).some((m) => m.includes('WATCHDOG=1'))).toBe(true);
    expect(msgs.slice(fault).some((m) => m.includes('WATCHDOG=1'))).toBe(false);
    expect(msgs.some((m) => m.includes('STOPPING=1'))).toBe(true);
  });
});
