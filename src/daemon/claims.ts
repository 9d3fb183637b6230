/**
 * Claims held by a running station (see src/config/claims.ts for what they are): one Linux
 * abstract-namespace unix socket per resource, `\0inspectd/claims/v1/<sha256(key)>`. Binding one
 * is atomic (two stations starting at the same instant cannot both win), and the kernel drops it
 * the moment the process ends, however it ends: a station killed with SIGKILL or by the OOM killer
 * leaves no stale lock behind, and a PID reused since cannot fool it (lock files with PID checks
 * can be fooled by both). The holder answers on its socket with who it is, so the refusal names
 * both stations. Abstract sockets live in a network namespace: stations in separate containers
 * (or units with PrivateNetwork=) do not see each other's claims, nor share ports anyway.
 */
import { createHash } from 'node:crypto';
import { createConnection, createServer, type Server } from 'node:net';
import { platform } from 'node:os';
import type { Claim } from '../config/index.js';

/** Who holds a claim: what another station's refusal names. */
export interface Holder {
  station: string;
  file: string;
  pid: number;
}

export interface Collision {
  claim: Claim;
  /** The holder and the config key it holds it by; null when it did not answer in time. */
  holder: (Holder & { path: string }) | null;
}

export interface HeldClaims {
  /** false where claims cannot be held (not Linux): nothing is checked then. */
  readonly supported: boolean;
  readonly keys: readonly string[];
  /** Close every claim socket. Idempotent; the process ending does the same. */
  release(): Promise<void>;
}

export interface ClaimOptions {
  /** Socket-name prefix; tests give their own so they never meet a station running on the box. */
  namespace?: string;
  /** How long to wait for a holder to say who it is. */
  askTimeoutMs?: number;
}

const NAMESPACE = 'inspectd/claims/v1';

export function claimSocketName(key: string, namespace = NAMESPACE): string {
  return `\0${namespace}/${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/**
 * Take every claim, or none: on any collision the ones taken are released again and every
 * collision is returned (all of them, so the operator fixes the config in one pass).
 */
export async function takeClaims(claims: readonly Claim[], me: Holder, opts: ClaimOptions = {}): Promise<{ held: HeldClaims; collisions: [] } | { held: null; collisions: Collision[] }> {
  if (platform() !== 'linux') return { held: { supported: false, keys: [], release: async () => {} }, collisions: [] };
  const servers: Server[] = [];
  const collisions: Collision[] = [];
  const seen = new Set<string>();
  for (const claim of claims) {
    if (seen.has(claim.key)) continue; // the same resource twice in one config: selfCollisions reports it
    seen.add(claim.key);
    const name = claimSocketName(claim.key, opts.namespace);
    const reply = JSON.stringify({ ...me, path: claim.path });
    const got = await claimOne(name, reply, opts.askTimeoutMs ?? 2000);
    if ('server' in got) servers.push(got.server);
    else collisions.push({ claim, holder: got.holder });
  }
  const release = once(() => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => {}));
  if (collisions.length) {
    await release();
    return { held: null, collisions };
  }
  return { held: { supported: true, keys: [...seen], release }, collisions: [] };
}

async function claimOne(name: string, reply: string, askTimeoutMs: number): Promise<{ server: Server } | { holder: Collision['holder'] }> {
  // A holder that is closing (refused connection) frees the name a moment later: try again.
  for (let attempt = 0; ; attempt++) {
    const server = await listen(name, reply);
    if (server) return { server };
    const answer = await ask(name, askTimeoutMs);
    if (answer !== 'gone' || attempt === 2) return { holder: answer === 'gone' ? null : answer };
    await new Promise((r) => setTimeout(r, 50));
  }
}

function listen(name: string, reply: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer((sock) => {
      sock.on('error', () => {}); // an asker that hangs up early is not our problem
      sock.end(reply);
    });
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    server.listen(name, () => {
      server.unref(); // a claim never keeps a finished daemon alive
      server.on('error', () => {});
      resolve(server);
    });
  });
}

/** The holder's identity, 'gone' when nobody listens any more, null when it did not answer. */
function ask(name: string, timeoutMs: number): Promise<Collision['holder'] | 'gone'> {
  return new Promise((resolve) => {
    let data = '';
    const sock = createConnection(name);
    const timer = setTimeout(() => (sock.destroy(), resolve(null)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (data += d));
    sock.on('end', () => {
      clearTimeout(timer);
      try {
        const h = JSON.parse(data) as Holder & { path: string };
        resolve({ station: String(h.station), file: String(h.file), pid: Number(h.pid), path: String(h.path) });
      } catch {
        resolve(null);
      }
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'gone' : null);
    });
  });
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/** The refusal, one line per collision, naming this station and the holder. */
export function collisionMessage(me: Holder, collisions: readonly Collision[]): string {
  const lines = collisions.map(({ claim, holder }) =>
    holder
      ? `  - ${claim.path}: ${claim.what} is held by station ${holder.station} (${holder.file}, pid ${holder.pid}, its ${holder.path})`
      : `  - ${claim.path}: ${claim.what} is held by another inspectd process on this box (it did not say which)`,
  );
  return `inspectd: refusing to start station ${me.station} (${me.file}): ${collisions.length === 1 ? 'a resource it needs is' : `${collisions.length} resources it needs are`} held by another station:\n${lines.join('\n')}`;
}
