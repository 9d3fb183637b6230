import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/log.js';
import { createSdNotify, formatNotify, notifySocketAddress } from '../../src/daemon/sdNotify.js';

// A stand-in for systemd's notify socket: binds a real AF_UNIX datagram socket with SO_PASSCRED
// (as systemd does) and prints each datagram with the sender PID the kernel attached.
const SERVER = `
import json, socket, struct, sys
path = sys.argv[1]
addr = '\\0' + path[1:] if path.startswith('@') else path
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(addr)
print('listening', flush=True)
while True:
    msg, anc, flags, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('iII', data[:12])[0]
    print(json.dumps({'msg': msg.decode(), 'pid': pid}), flush=True)
`;

interface Got {
  msg: string;
  pid: number;
}

function fakeSystemd(socket: string): Promise<{ proc: ChildProcess; received: Got[]; waitFor(n: number): Promise<Got[]> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('/usr/bin/python3', ['-c', SERVER, socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    const received: Got[] = [];
    const waiters: Array<() => void> = [];
    let buf = '';
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d));
    proc.once('exit', (code) => reject(new Error(`fake systemd exited ${code}: ${stderr}`)));
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (s: string) => {
      buf += s;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'listening') {
          resolve({
            proc,
            received,
            waitFor: async (n) => {
              while (received.length < n) await new Promise<void>((r) => waiters.push(r));
              return received;
            },
          });
        } else {
          received.push(JSON.parse(line));
          waiters.splice(0).forEach((w) => w());
        }
      }
    });
  });
}

describe('sd_notify over a real unix datagram socket', () => {
  let dir: string;
  let server: ChildProcess | null = null;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inspectd-notify-'));
  });
  afterEach(async () => {
    server?.kill();
    server = null;
    await rm(dir, { recursive: true, force: true });
  });

  for (const kind of ['path', 'abstract'] as const) {
    it(`READY=1, WATCHDOG=1, STATUS, STOPPING=1 arrive in the order asked (${kind} socket)`, async () => {
      const socket = kind === 'path' ? join(dir, 'notify') : `@inspectd-test-${process.pid}-${Date.now()}`;
      const sd = await fakeSystemd(socket);
      server = sd.proc;
      const n = createSdNotify({ socket, log: silentLogger });
      expect(n.enabled).toBe(true);
      // Not awaited one by one: ordering must hold even when calls pile up.
      void n.ready('warm');
      void n.watchdog();
      void n.status('inspecting: 12 fps');
      await n.stopping();
      const got = await sd.waitFor(4);
      expect(got.map((g) => g.msg)).toEqual(['READY=1\nSTATUS=warm', 'WATCHDOG=1', 'STATUS=inspecting: 12 fps', 'STOPPING=1']);
      // Who systemd would think sent it — the reason the unit says NotifyAccess=all without unix-dgram.
      const senders = new Set(got.map((g) => g.pid));
      expect(senders.size).toBe(1);
      if (n.transportName() === 'unix-dgram') expect([...senders][0]).toBe(process.pid);
      else {
        expect(n.transportName()).toBe('python-helper');
        expect([...senders][0]).not.toBe(process.pid);
      }
      await n.close();
    });
  }

  it('is a no-op without NOTIFY_SOCKET (no helper started)', async () => {
    const n = createSdNotify({ socket: undefined, log: silentLogger });
    expect(n.enabled).toBe(false);
    await n.ready();
    await n.watchdog();
    await n.stopping();
    expect(n.transportName()).toBeNull();
    await n.close();
  });

  it('a socket nobody listens on is logged, never thrown', async () => {
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (_o: unknown, msg?: string) => void warnings.push(msg ?? '') };
    const n = createSdNotify({ socket: join(dir, 'nobody'), log, preferHelper: true });
    await n.ready();
    await n.watchdog();
    expect(warnings.filter((w) => w === 'sd_notify send failed')).toHaveLength(2);
    await n.close();
  });

  it('formats and addresses like sd_notify(3)', () => {
    expect(formatNotify({ READY: 1, STATUS: 'two\nlines' })).toBe('READY=1\nSTATUS=two lines');
    expect(notifySocketAddress('@foo')).toBe('\0foo');
    expect(notifySocketAddress('/run/systemd/notify')).toBe('/run/systemd/notify');
  });
});
