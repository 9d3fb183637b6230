/**
 * Test helper: a real mosquitto broker on a free loopback port, in its own temp dir.
 *
 * Usage:
 *   const broker = await startMosquitto();                       // anonymous, no persistence
 *   const broker = await startMosquitto({ extraConfig: 'password_file /x\n', anonymous: false });
 *   await broker.stop(); await broker.start();                     // outage on the SAME port
 *   await broker.close();                                          // stop + remove temp dir
 *
 * `extraConfig` lines are written right after the `listener` line, so listener-scoped options
 * (cafile, certfile, keyfile, require_certificate) apply to it. The broker log is kept in memory
 * (`broker.log()`) to explain failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './poll.js';

export const MOSQUITTO_BIN = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p));

export interface MosquittoOptions {
  /** Config appended after the listener line (listener-scoped options apply to it). */
  extraConfig?: string;
  /** `allow_anonymous true` (default) or false (then give a password_file in extraConfig). */
  anonymous?: boolean;
  /** Keep sessions and queued QoS 1 messages across stop/start (persistence in the temp dir). Default false. */
  persistence?: boolean;
  /** Use this port instead of a free one. */
  port?: number;
}

export interface Broker {
  readonly port: number;
  /** mqtt://127.0.0.1:port (use mqtts:// yourself for a TLS listener). */
  readonly url: string;
  /** The broker's temp dir (config, persistence); a test may put its own files here. */
  readonly dir: string;
  readonly running: boolean;
  /** (Re)start on the same port; resolves once it accepts TCP connections. */
  start(): Promise<void>;
  /** SIGTERM and wait for exit (mosquitto writes its persistence file on SIGTERM). */
  stop(): Promise<void>;
  /** Abrupt stop: SIGKILL, no persistence write. */
  kill(): Promise<void>;
  /** Stop and delete the temp dir. Idempotent. */
  close(): Promise<void>;
  /** Everything the broker wrote to stderr/stdout so far. */
  log(): string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Never leave a broker behind if a test crashes. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Broker> {
  if (!MOSQUITTO_BIN) {
    throw new Error('mosquitto not found: install the Debian package `mosquitto` (apt-get install mosquitto)');
  }
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'inspectd-mosq-'));
  const confPath = join(dir, 'mosquitto.conf');
  let port = opts.port ?? (await freePort());
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let closed = false;

  const writeConfig = async () => {
    const lines = [
      // Root would otherwise drop to user `mosquitto`, which cannot read files in our 0700 temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      `per_listener_settings false`,
      `allow_anonymous ${opts.anonymous === false ? 'false' : 'true'}`,
      ...(opts.persistence
        ? ['persistence true', `persistence_location ${dir}/`, 'autosave_interval 1']
        : ['persistence false']),
      `listener ${port} 127.0.0.1`,
      opts.extraConfig ?? '',
      '',
    ];
    await writeFile(confPath, lines.join('\n'));
  };

  const spawnOnce = async (): Promise<boolean> => {
    await writeConfig();
    const proc = spawn(MOSQUITTO_BIN, ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    live.add(proc);
    proc.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    proc.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    let hasExited = false;
    exited = new Promise<void>((resolve) => {
      proc.once('exit', () => {
        hasExited = true;
        live.delete(proc);
        if (child === proc) child = null;
        resolve();
      });
    });
    // Poll until the listener accepts (or the process died, e.g. port taken); 15 s for a busy box.
    for (let i = 0; i < 300; i++) {
      if (hasExited) return false;
      if (await canConnect(port)) return true;
      await sleep(50);
    }
    proc.kill('SIGKILL');
    await exited;
    return false;
  };

  const broker: Broker = {
    get port() {
      return port;
    },
    get url() {
      return `mqtt://127.0.0.1:${port}`;
    },
    dir,
    get running() {
      return child !== null;
    },
    async start() {
      if (closed) throw new Error('broker closed');
      if (child) return;
      // A restart must reuse the port (the clients under test reconnect to it); give the
      // kernel a moment if the old socket is still being torn down.
      for (let attempt = 0; attempt < 20; attempt++) {
        if (await spawnOnce()) return;
        await sleep(100);
      }
      throw new Error(`mosquitto did not start on port ${port}:\n${output}`);
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      proc.kill('SIGTERM');
      // A broker that hangs on shutdown must not hang the suite.
      const force = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
    async kill() {
      const proc = child;
      if (!proc) return;
      proc.kill('SIGKILL');
      await exited;
    },
    async close() {
      if (closed) return;
      await broker.stop();
      closed = true;
      await rm(dir, { recursive: true, force: true });
    },
    log: () => output,
  };

  // First start: if the free port was grabbed in between, pick another (only when not pinned).
  for (let attempt = 0; ; attempt++) {
    if (await spawnOnce()) break;
    if (opts.port !== undefined || attempt >= 4) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on port ${port}:\n${output}`);
    }
    port = await freePort();
  }
  return broker;
}

export { waitFor } from './poll.js';
