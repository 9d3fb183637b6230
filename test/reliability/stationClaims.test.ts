/**
 * Two stations on one box, as real processes of the built daemon: the second, whose config wants
 * the first's dashboard port and database, exits 2 (a config problem, nothing started) naming both
 * stations and each resource; a station killed with SIGKILL leaves no lock behind, so it starts
 * again at once; and `validate-config a.yaml b.yaml` finds the same collisions before either runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/mosquitto.js';
import { CLI, stationConfig, startDaemon, tempDir, type DaemonRun } from './daemon.js';

const t = tempDir('claims');
let port: number;
let cfgA: string;
let cfgB: string;
const running: DaemonRun[] = [];
const ready = (d: DaemonRun) => d.logs().some((l) => l.msg === 'inspectd ready');

beforeAll(async () => {
  port = await freePort();
  mkdirSync(join(t.dir, 'a'));
  mkdirSync(join(t.dir, 'b'));
  cfgA = stationConfig(join(t.dir, 'a'), { station: 'st-a', frames: 12, fps: 5, loop: true }, { http: { enabled: true, port } });
  // st-b: its own images and sim log, but st-a's dashboard port (as Modbus) and st-a's database.
  cfgB = stationConfig(join(t.dir, 'b'), { station: 'st-b', frames: 2, fps: 5, loop: true }, {
    storage: { database: join(t.dir, 'a', 'inspectd.db'), images: 'images' },
    modbus: { enabled: true, port },
  });
});

afterAll(async () => {
  for (const d of running) if (!d.status()) (d.child.kill('SIGKILL'), await d.exited);
  t.cleanup();
});

describe('two stations on one box', () => {
  it('the second exits 2 naming both stations and each shared resource; the first keeps running', async () => {
    const a = startDaemon(['run', '--config', cfgA]);
    running.push(a);
    await a.until(() => ready(a), 'st-a ready', 40_000);
    const b = startDaemon(['run', '--config', cfgB]);
    running.push(b);
    const { code } = await b.exited;
    expect(code, b.stderr()).toBe(2);
    const err = b.stderr();
    expect(err).toContain(`inspectd: refusing to start station st-b (${cfgB}): 2 resources it needs are held by another station:`);
    expect(err).toContain(`  - modbus.port: TCP port ${port} (Modbus TCP) is held by station st-a (${cfgA}, pid ${a.child.pid}, its http.port)`);
    expect(err).toContain(`  - storage.database: SQLite database ${join(t.dir, 'a', 'inspectd.db')} is held by station st-a (${cfgA}, pid ${a.child.pid}, its storage.database)`);
    expect(b.logs().some((l) => l.msg === 'inspectd ready'), 'st-b started nothing').toBe(false);
    expect(a.status(), 'st-a still running').toBeNull();
  }, 60_000);

  it('a station killed with SIGKILL holds nothing: the same station starts again at once', async () => {
    const a = running[0];
    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    const again = startDaemon(['run', '--config', cfgA]);
    running.push(again);
    await again.until(() => ready(again), 'st-a ready again after SIGKILL', 40_000);
    again.child.kill('SIGTERM');
    expect((await again.exited).code, again.stderr()).toBe(0);
  }, 60_000);

  it('validate-config a.yaml b.yaml: the same collisions, as problems of both files, exit 2', () => {
    const r = spawnSync(process.execPath, [CLI, 'validate-config', cfgA, cfgB], { encoding: 'utf8', timeout: 50_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${cfgA}: 2 problems`);
    expect(r.stderr).toContain(`  - http.port: TCP port ${port} (dashboard) is also claimed by station st-b (${cfgB}, modbus.port)`);
    expect(r.stderr).toContain(`${cfgB}: 2 problems`);
    expect(r.stderr).toContain(`  - storage.database: SQLite database ${join(t.dir, 'a', 'inspectd.db')} is also claimed by station st-a (${cfgA}, storage.database)`);
    const alone = spawnSync(process.execPath, [CLI, 'validate-config', cfgA], { encoding: 'utf8', timeout: 50_000 });
    expect([alone.status, alone.stdout.trim()]).toEqual([0, `${cfgA}: valid`]);
  }, 60_000);
});
