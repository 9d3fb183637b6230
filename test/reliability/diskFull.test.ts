/**
 * A full disk degrades, never crashes: the built daemon with its images folder, or its SQLite
 * database, on a tiny tmpfs that fills up during the run. It must keep deciding (reject pulses
 * and result strobes go on), report the fault in its log, stop cleanly with exit 0, and leave a
 * consistent database.
 *
 * Needs `mount -t tmpfs` (root with CAP_SYS_ADMIN, as on the CI runner and a dev container);
 * skipped, visibly, where the kernel refuses the mount.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_ROWS_LOST } from '../../src/cli/runCmd.js';
import { freePort, startMosquitto, waitFor, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, readSimLog, replayFolder, rises, startDaemon, tempDir, writeConfig } from './daemon.js';

const t = tempDir('diskfull');
const mounts: string[] = [];

function mountTmpfs(dir: string, sizeKb: number): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'ignore' });
    mounts.push(dir);
    return true;
  } catch {
    return false;
  }
}

const canMount = (() => {
  const probe = join(t.dir, 'probe');
  const ok = mountTmpfs(probe, 64);
  if (ok) {
    execFileSync('umount', [probe]);
    mounts.pop();
  }
  return ok;
})();

afterAll(() => {
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', [m], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' }); // still busy: detach it anyway
    }
  }
  t.cleanup();
});

const codes = (logs: Array<Record<string, unknown>>) => new Set(logs.map((l) => l.code).filter(Boolean));

describe.skipIf(!canMount)('full disk (tmpfs that fills up during the run)', () => {
  it('images folder full: saving pauses, every frame is still decided and recorded, exit 0', async () => {
    const dir = join(t.dir, 'images-full');
    expect(mountTmpfs(join(dir, 'images'), 128)).toBe(true);
    const N = 240;
    const cfg = writeConfig(join(dir, 'config.yaml'), {
      station: 'st-full',
      camera: { source: 'replay', path: replayFolder(join(dir, 'frames'), N), fps: 0, loop: false },
      model: { path: FIXTURE_MODEL },
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 1, strobe_ms: 1 },
      storage: { database: 'inspectd.db', images: 'images', save_images: 'all' },
      mqtt: { url: '' },
      http: { enabled: false },
    });
    const d = startDaemon(['run', '--config', cfg], { limitMs: 45_000 });
    const { code } = await d.exited;
    expect(d.stderr()).toBe('');
    expect(code).toBe(0);
    expect(codes(d.logs()).has('STORE_IMAGE_WRITE')).toBe(true);
    const db = new Database(join(dir, 'inspectd.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT seq, image_path FROM inspections ORDER BY seq').all() as Array<{ seq: number; image_path: string | null }>;
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      const withImage = rows.filter((r) => r.image_path);
      expect(withImage.length).toBeGreaterThan(0); // some fitted before the disk filled
      expect(withImage.length).toBeLessThan(N);
      // No row points at an image that was not written.
      for (const r of withImage) expect(existsSync(join(dir, 'images', r.image_path!))).toBe(true);
    } finally {
      db.close();
    }
    // The PLC side got a decision for every part (the final stats line carries its counters).
    const plc = d.logs().filter((l) => l.msg === 'stats').at(-1)?.plc as { decided: number } | undefined;
    expect(plc?.decided).toBe(N);
    expect(rises(readSimLog(join(dir, 'gpio.jsonl')), 'reject').length).toBeGreaterThan(0);
  });

  it('database disk full: keeps deciding, logs STORE_WRITE, exits with EXIT_ROWS_LOST only when rows were lost, the database stays consistent', async () => {
    const dir = join(t.dir, 'db-full');
    expect(mountTmpfs(join(dir, 'db'), 400)).toBe(true);
    const cfg = writeConfig(join(dir, 'config.yaml'), {
      station: 'st-full',
      camera: { source: 'replay', path: replayFolder(join(dir, 'frames'), 12), fps: 0, loop: true },
      model: { path: FIXTURE_MODEL },
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 1, strobe_ms: 1 },
      storage: { database: 'db/inspectd.db', images: 'images', save_images: 'none' },
      mqtt: { url: '' },
      http: { enabled: false },
      log: { level: 'debug' },
    });
    const d = startDaemon(['run', '--config', cfg], { limitMs: 45_000 });
    const decided = () => d.logs().filter((l) => l.msg === 'inspected').length;
    await d.until(() => codes(d.logs()).has('STORE_WRITE'), 'the database to fill up (STORE_WRITE)', 30_000);
    const atFull = decided();
    await d.until(() => decided() >= atFull + 200, '200 more decisions after the disk filled');
    d.child.kill('SIGTERM');
    const { code } = await d.exited;
    expect(d.stderr()).toBe('');
    const rowsLost = d.logs().find((l) => l.code === 'STORE_ROWS_LOST') as { lost?: number } | undefined;
    expect(code).toBe(rowsLost ? EXIT_ROWS_LOST : 0);
    const db = new Database(join(dir, 'db/inspectd.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const seqs = (db.prepare('SELECT seq FROM inspections ORDER BY id').all() as Array<{ seq: number }>).map((r) => r.seq);
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(seqs.length).toBeLessThan(decided());
      const lost = d.logs().find((l) => l.code === 'STORE_CLOSE') as { lost?: number } | undefined;
      console.info(`[reliability/diskFull] DB full: ${decided()} decided, ${seqs.length} rows committed, ${lost?.lost ?? 0} reported lost at close`);
      // Every decided part is either in the file or counted as lost in the exit report.
      expect(seqs.length + (rowsLost?.lost ?? 0)).toBe(decided());
    } finally {
      db.close();
    }
  });

  it('database disk full with MQTT and the dashboard: /healthz 503, STORE_FAILING on MQTT fault, /metrics counts it, exit EXIT_ROWS_LOST', async () => {
    const dir = join(t.dir, 'db-full-seen');
    expect(mountTmpfs(join(dir, 'db'), 400)).toBe(true);
    const broker: Broker = await startMosquitto();
    const P = 'rel/st-seen';
    const port = await freePort();
    const cfg = writeConfig(join(dir, 'config.yaml'), {
      station: 'st-seen',
      camera: { source: 'replay', path: replayFolder(join(dir, 'frames'), 12), fps: 0, loop: true },
      model: { path: FIXTURE_MODEL },
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 1, strobe_ms: 1 },
      storage: { database: 'db/inspectd.db', images: 'images', save_images: 'none' },
      mqtt: { url: broker.url, topic_prefix: 'rel', stats_interval_s: 60 },
      http: { enabled: true, port, stall_s: 60 },
    });
    const sub = await subscriber(broker.url, [`${P}/fault`]);
    const http = `http://127.0.0.1:${port}`;
    const d = startDaemon(['run', '--config', cfg], { limitMs: 60_000 });
    try {
      await d.until(() => codes(d.logs()).has('STORE_FAILING'), 'database writes to keep failing (STORE_FAILING)', 40_000);
      let health: { status: number; body: Record<string, unknown> } | null = null;
      await waitFor(async () => {
        const r = await fetch(`${http}/healthz`);
        health = { status: r.status, body: (await r.json()) as Record<string, unknown> };
        return r.status === 503;
      }, '/healthz 503', 20_000);
      expect(health!.body.reason).toMatch(/^database writes keep failing \(SQLITE_FULL: /);

      const metrics = await (await fetch(`${http}/metrics`)).text();
      const failures = Number(/^inspectd_store_write_failures_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1]);
      expect(failures).toBeGreaterThanOrEqual(3);

      await waitFor(() => sub.on(`${P}/fault`).length > 0, 'the fault on MQTT', 10_000);
      expect(JSON.parse(sub.on(`${P}/fault`)[0].payload)).toMatchObject({ station: 'st-seen', code: 'STORE_FAILING', fatal: false, message: expect.stringContaining('SQLITE_FULL') });
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
      await sub.close();
      await broker.close();
    }
    expect(d.stderr()).toBe('');
    const lost = d.logs().find((l) => l.code === 'STORE_ROWS_LOST') as { lost: number; exit: number } | undefined;
    expect(lost?.lost).toBeGreaterThan(0);
    expect(d.status()?.code).toBe(EXIT_ROWS_LOST);
  });
});
