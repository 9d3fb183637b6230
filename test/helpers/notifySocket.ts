/**
 * A stand-in for systemd's notify socket: a real AF_UNIX datagram socket bound by Debian's
 * python3 (Node has no datagram unix sockets), printing each datagram as a JSON line. What the
 * daemon sends (READY=1, WATCHDOG=1, STATUS=, STOPPING=1) arrives in send order.
 */
import { spawn } from 'node:child_process';
import { waitFor } from './mosquitto.js';

const RECEIVER = String.raw`
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"bound": True}), flush=True)
while True:
    d = s.recv(65536)
    print(json.dumps({"t": time.time() * 1000, "msg": d.decode()}), flush=True)
`;

export interface NotifyReceiver {
  /** Every datagram so far, in arrival order. */
  messages(): string[];
  close(): void;
}

export async function notifyReceiver(socketPath: string): Promise<NotifyReceiver> {
  const child = spawn('/usr/bin/python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const msgs: string[] = [];
  let bound = false;
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      const o = JSON.parse(l) as { bound?: boolean; msg?: string };
      if (o.bound) bound = true;
      else msgs.push(o.msg ?? '');
    }
  });
  await waitFor(() => bound, 'notify socket bound', 10_000);
  return { messages: () => [...msgs], close: () => void child.kill('SIGKILL') };
}
