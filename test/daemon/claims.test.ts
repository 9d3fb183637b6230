/**
 * Claims held on abstract unix sockets (src/daemon/claims.ts), in-process: all or none, the holder
 * named, a race has one winner, a silent holder still refuses, release frees. Each test has its
 * own namespace so nothing running on the box is met. The same through real daemon processes
 * (and a SIGKILLed holder) is test/reliability/stationClaims.test.ts.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Claim } from '../../src/config/claims.js';
import { claimSocketName, collisionMessage, takeClaims } from '../../src/daemon/claims.js';

let n = 0;
const ns = () => `inspectd-test/${process.pid}/${Date.now()}/${n++}`;
const port: Claim = { key: 'tcp:8080', what: 'TCP port 8080 (dashboard)', path: 'http.port' };
const db: Claim = { key: 'path:/s/a.db', what: 'SQLite database /s/a.db', path: 'storage.database' };
const a = { station: 'cam1', file: '/etc/inspectd/cam1.yaml', pid: 101 };
const b = { station: 'cam2', file: '/etc/inspectd/cam2.yaml', pid: 202 };
const releases: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const r of releases.splice(0)) await r();
});
async function take(claims: Claim[], me: typeof a, namespace: string, askTimeoutMs?: number) {
  const r = await takeClaims(claims, me, { namespace, askTimeoutMs });
  if (r.held) releases.push(r.held.release);
  return r;
}

describe('takeClaims', () => {
  it('a second station is refused with every collision, naming the holder and its config key', async () => {
    const space = ns();
    const first = await take([port, db], a, space);
    expect(first.held?.keys).toEqual(['tcp:8080', 'path:/s/a.db']);
    const second = await take([{ ...port, path: 'modbus.port' }, db, { key: 'path:/s/b-img', what: 'images folder /s/b-img', path: 'storage.images' }], b, space);
    expect(second.held).toBeNull();
    expect(second.collisions).toEqual([
      { claim: { ...port, path: 'modbus.port' }, holder: { ...a, path: 'http.port' } },
      { claim: db, holder: { ...a, path: 'storage.database' } },
    ]);
    expect(collisionMessage(b, second.collisions)).toBe(
      'inspectd: refusing to start station cam2 (/etc/inspectd/cam2.yaml): 2 resources it needs are held by another station:\n' +
        '  - modbus.port: TCP port 8080 (dashboard) is held by station cam1 (/etc/inspectd/cam1.yaml, pid 101, its http.port)\n' +
        '  - storage.database: SQLite database /s/a.db is held by station cam1 (/etc/inspectd/cam1.yaml, pid 101, its storage.database)',
    );
  });

  it('all or none: the claims a refused station did get are released again', async () => {
    const space = ns();
    await take([db], a, space);
    expect((await take([port, db], b, space)).held).toBeNull();
    // cam2 held tcp:8080 for a moment; it must not keep it.
    const again = await take([port], a, space);
    expect(again.held?.keys).toEqual(['tcp:8080']);
  });

  it('release frees every claim (idempotent)', async () => {
    const space = ns();
    const first = await take([port, db], a, space);
    await first.held!.release();
    await first.held!.release();
    expect((await take([port, db], b, space)).held?.keys).toEqual(['tcp:8080', 'path:/s/a.db']);
  });

  it('two stations starting at once: exactly one wins', async () => {
    const space = ns();
    const [x, y] = await Promise.all([take([port], a, space), take([port], b, space)]);
    expect([x.held, y.held].filter(Boolean)).toHaveLength(1);
    const loser = x.held ? y : x;
    expect(loser.collisions[0].holder?.station).toBe(x.held ? 'cam1' : 'cam2');
  });

  it('a holder that does not answer still refuses, said as such', async () => {
    const space = ns();
    const mute: Server = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => mute.listen(claimSocketName(port.key, space), () => r()));
    try {
      const r = await take([port], b, space, 200);
      expect(r.collisions).toEqual([{ claim: port, holder: null }]);
      expect(collisionMessage(b, r.collisions)).toContain('http.port: TCP port 8080 (dashboard) is held by another inspectd process on this box (it did not say which)');
    } finally {
      mute.close();
    }
  });

  it('the same key twice in one list is claimed once (selfCollisions reports it)', async () => {
    const r = await take([port, { ...port, path: 'modbus.port' }], a, ns());
    expect(r.held?.keys).toEqual(['tcp:8080']);
  });
});
