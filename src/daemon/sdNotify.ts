import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../platform/index.js';
import { InspectdError, errorMessage } from '../platform/index.js';

/**
 * sd_notify: datagrams to the unix socket systemd names in $NOTIFY_SOCKET (the daemon passes the
 * value in; this module reads no environment). Node has no AF_UNIX datagram sockets in core
 * (dgram is UDP only), so a transport does the sending:
 *
 *  - `unix-dgram` (optional native npm module, as zigbee2mqtt does): sent from this process, so
 *    systemd attributes the message to the main PID and `NotifyAccess=main` works.
 *  - otherwise a long-lived helper child (Debian's python3, standard library only) that owns the
 *    socket and sends what it reads on stdin. systemd sees the helper's PID, a process of the
 *    service's cgroup that stays alive (so, unlike a short-lived `systemd-notify`, attribution does
 *    not race its exit) — the unit needs `NotifyAccess=all`.
 *
 * Without a socket every call is a no-op. Failures are logged, never thrown: supervision must not
 * take the daemon down.
 */
export interface NotifyTransport {
  readonly name: string;
  /** PID systemd will see as the sender. */
  readonly senderPid: number | null;
  send(message: string): Promise<void>;
  close(): Promise<void>;
}

export interface SdNotifier {
  /** False without NOTIFY_SOCKET: every call resolves at once. */
  readonly enabled: boolean;
  /** READY=1 (with an optional STATUS=). */
  ready(status?: string): Promise<void>;
  watchdog(): Promise<void>;
  stopping(status?: string): Promise<void>;
  status(text: string): Promise<void>;
  /** Any raw assignment list, e.g. 'EXTEND_TIMEOUT_USEC=20000000'. */
  notify(message: string): Promise<void>;
  /** Which transport is in use ('unix-dgram', 'python-helper', or null when disabled / not yet opened). */
  transportName(): string | null;
  close(): Promise<void>;
}

export interface SdNotifyOptions {
  /** $NOTIFY_SOCKET: a path, or '@name' for an abstract socket. Empty/undefined = disabled. */
  socket?: string | null;
  log: Logger;
  /** Override the transport (tests, or a caller that has its own). */
  transport?: NotifyTransport;
  /** Interpreter for the helper transport. Default /usr/bin/python3. */
  python?: string;
  /** Skip the in-process unix-dgram attempt (tests of the helper path). */
  preferHelper?: boolean;
}

/** sd_notify address: '@name' is the abstract namespace (leading NUL byte). */
export function notifySocketAddress(socket: string): string {
  return socket.startsWith('@') ? `\0${socket.slice(1)}` : socket;
}

/** Notification texts: KEY=VALUE lines; STATUS= must not span lines. Pure. */
export function formatNotify(fields: Record<string, string | number>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${String(v).replace(/\n/g, ' ')}`)
    .join('\n');
}

export function createSdNotify(o: SdNotifyOptions): SdNotifier {
  const socket = o.socket ? o.socket : null;
  let transport: Promise<NotifyTransport | null> | null = null;
  let name: string | null = null;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  function getTransport(): Promise<NotifyTransport | null> {
    if (!transport) {
      transport = (async () => {
        const t = o.transport ?? (await openTransport(socket!, o));
        name = t.name;
        o.log.info({ transport: t.name, socket }, `sd_notify transport: ${t.name}`);
        if (t.name !== 'unix-dgram') o.log.warn({}, 'sd_notify is sent by a helper process: the unit needs NotifyAccess=all');
        return t;
      })().catch((err) => {
        o.log.error({ err: errorMessage(err), socket }, 'sd_notify unavailable; systemd will not hear from us');
        return null;
      });
    }
    return transport;
  }

  // One chain: READY, WATCHDOG, STOPPING leave in the order they were asked for.
  function send(message: string): Promise<void> {
    if (!socket || closed) return Promise.resolve();
    chain = chain.then(async () => {
      const t = await getTransport();
      if (!t) return;
      try {
        await t.send(message);
      } catch (err) {
        o.log.warn({ err: errorMessage(err), message }, 'sd_notify send failed');
      }
    });
    return chain;
  }

  return {
    enabled: !!socket,
    ready: (status) => send(formatNotify(status ? { READY: 1, STATUS: status } : { READY: 1 })),
    watchdog: () => send('WATCHDOG=1'),
    stopping: (status) => send(formatNotify(status ? { STOPPING: 1, STATUS: status } : { STOPPING: 1 })),
    status: (text) => send(formatNotify({ STATUS: text })),
    notify: (message) => send(message),
    transportName: () => name,
    async close() {
      if (closed) return;
      await chain;
      closed = true;
      const t = transport ? await transport : null;
      await t?.close();
    },
  };
}

async function openTransport(socket: string, o: SdNotifyOptions): Promise<NotifyTransport> {
  // unix-dgram passes the address as a C string, so an abstract '@' socket (leading NUL) cannot
  // be reached through it; systemd's own /run/systemd/notify is a path and takes the fast route.
  if (!o.preferHelper && !socket.startsWith('@')) {
    const t = await unixDgramTransport(socket).catch(() => null);
    if (t) return t;
  }
  return helperTransport(socket, o.python ?? '/usr/bin/python3', o.log);
}

/** In-process sender through the optional native module `unix-dgram` (an optionalDependency: it needs a compiler at install). */
export async function unixDgramTransport(socket: string): Promise<NotifyTransport> {
  const moduleName = 'unix-dgram'; // a variable, so TypeScript does not need the module's types
  const mod = (await import(moduleName)) as { createSocket(type: 'unix_dgram'): UnixDgramSocket };
  const sock = mod.createSocket('unix_dgram');
  sock.on('error', () => {}); // per-send errors arrive in the callbacks
  const address = notifySocketAddress(socket);
  return {
    name: 'unix-dgram',
    senderPid: null,
    send: (message) =>
      new Promise((resolve, reject) => {
        const buf = Buffer.from(message);
        sock.send(buf, 0, buf.length, address, (err) => (err ? reject(err) : resolve()));
      }),
    close: async () => sock.close(),
  };
}

interface UnixDgramSocket {
  on(event: 'error', fn: (err: Error) => void): void;
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error | null) => void): void;
  close(): void;
}

// Reads one JSON string per line, sends it as one datagram, answers "ok" or "err <reason>".
const HELPER = `
import json, socket, sys
addr = sys.argv[1]
if addr.startswith('@'):
    addr = '\\0' + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
while True:
    line = sys.stdin.readline()
    if not line:
        break
    try:
        s.sendto(json.loads(line).encode('utf-8'), addr)
        sys.stdout.write('ok\\n')
    except Exception as e:
        sys.stdout.write('err %s\\n' % str(e).replace('\\n', ' '))
    sys.stdout.flush()
`;

/** Helper child owning the datagram socket; acknowledges every message so sends resolve in order. */
export async function helperTransport(socket: string, python: string, log: Logger): Promise<NotifyTransport> {
  let cp: ChildProcess | null = null;
  let acks: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  function startHelper(): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(python, ['-c', HELPER, socket], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      let buf = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (s: string) => (stderr = (stderr + s).slice(-1000)));
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (s: string) => {
        buf += s;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const a = acks.shift();
          if (!a) continue;
          if (line === 'ok') a.resolve();
          else a.reject(new InspectdError('DAEMON_NOTIFY', `sd_notify: ${line.replace(/^err /, '')}`, { socket }));
        }
      });
      child.stdin!.on('error', () => {}); // reported through 'exit'
      child.once('error', (err) => reject(new InspectdError('DAEMON_NOTIFY', `cannot start ${python}: ${err.message}`, { python }, { cause: err })));
      child.once('spawn', () => resolve(child));
      child.once('exit', (code, signal) => {
        if (cp === child) cp = null;
        const pending = acks;
        acks = [];
        const why = `sd_notify helper exited (${signal ?? `code ${code}`}) ${stderr.trim()}`.trim();
        if (pending.length) log.warn({}, why);
        for (const a of pending) a.reject(new InspectdError('DAEMON_NOTIFY', why, { socket }));
      });
    });
  }

  cp = await startHelper();
  return {
    name: 'python-helper',
    get senderPid() {
      return cp?.pid ?? null;
    },
    async send(message) {
      if (!cp) cp = await startHelper(); // it died: one more try per message
      const child = cp;
      await new Promise<void>((resolve, reject) => {
        acks.push({ resolve, reject });
        child.stdin!.write(JSON.stringify(message) + '\n');
      });
    },
    async close() {
      const child = cp;
      cp = null;
      if (!child) return;
      await new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill('SIGTERM'), 1000).unref();
      });
    },
  };
}
