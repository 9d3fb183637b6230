/**
 * Issue 9 item 1, against the built daemon: a stop must not cancel reject pulses already
 * scheduled. Before the fix, a finite replay (loop: false) with travel_ms 300 of 12 defect frames
 * at 5 fps wrote 11 reject rows and pulsed 9 times ("closing drops scheduled reject pulses"); a
 * SIGTERM mid-run lost the last pulse the same way.
 *
 * The fixture model rejects every casting frame, so every row is a reject and (fail-safe) every
 * late part too: the reject rising edges in the sim GPIO log must equal the reject/error rows in
 * the SQLite file, less the requests folded into another pulse (counted in the final stats line).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODEL, readSimLog, replayFolder, rises, startDaemon, tempDir, withDb, writeConfig, type DaemonRun } from './daemon.js';

const LINES = ['reject', 'ready', 'heartbeat', 'result_valid'] as const;

function config(dir: string, name: string, loop: boolean): string {
  return writeConfig(join(dir, `${name}.yaml`), {
    station: 'st-drain',
    camera: { source: 'replay', path: replayFolder(join(dir, `${name}-frames`), 12), fps: 5, loop },
    model: { path: FIXTURE_MODEL },
    // A wide decision margin: on a loaded machine a late deadline timer must not turn into a miss.
    gpio: { backend: 'sim', sim_log: `${name}-gpio.jsonl`, travel_ms: 300, pulse_ms: 5, strobe_ms: 2, decision_margin_ms: 100 },
    storage: { database: `${name}.db`, images: 'images', save_images: 'none' },
    mqtt: { url: '' },
    http: { enabled: false },
    log: { level: 'debug' },
  });
}

function record(dir: string, name: string, d: DaemonRun) {
  const rows = withDb(join(dir, `${name}.db`), (db) => db.prepare("SELECT seq FROM inspections WHERE verdict IN ('reject', 'error') ORDER BY seq").all() as Array<{ seq: number }>);
  const all = withDb(join(dir, `${name}.db`), (db) => (db.prepare('SELECT count(*) n FROM inspections').get() as { n: number }).n);
  const sim = readSimLog(join(dir, `${name}-gpio.jsonl`));
  const last = d.logs().filter((l) => l.msg === 'stats').at(-1) as { plc?: { merged: number; missed: number } } | undefined;
  const final = Object.fromEntries(LINES.map((l) => [l, sim.filter((c) => c.line === l).at(-1)?.value]));
  return { rejectRows: rows.length, all, pulses: rises(sim, 'reject').length, merged: last?.plc?.merged ?? NaN, missed: last?.plc?.missed ?? NaN, final, dropLogs: d.logs().filter((l) => l.msg === 'closing drops scheduled reject pulses').length };
}

describe('a stop drives every scheduled reject pulse before the outputs go safe (built daemon, sim GPIO, SQLite)', () => {
  const t = tempDir('drain');
  afterAll(() => t.cleanup());

  it('finite replay, travel 300 ms, 12 defect frames at 5 fps: one pulse per reject row, outputs safe after', async () => {
    const d = startDaemon(['run', '--config', config(t.dir, 'replay', false)], { cwd: t.dir, limitMs: 60_000 });
    const { code } = await d.exited;
    expect(d.stderr()).toBe('');
    expect(code).toBe(0);
    const r = record(t.dir, 'replay', d);
    console.info(`[reliability/stopDrain] replay: ${r.rejectRows} reject rows, ${r.pulses} pulses, ${r.merged} merged, ${r.missed} missed`);
    expect(r.all).toBe(12);
    expect(r.rejectRows).toBe(12);
    expect(r.missed).toBe(0);
    expect(r.pulses).toBe(r.rejectRows - r.merged);
    expect(r.dropLogs).toBe(0);
    expect(r.final).toEqual({ reject: 0, ready: 0, heartbeat: 0, result_valid: 0 });
  });

  it('SIGTERM right after a decision (its pulse still ahead): exit 0, one pulse per reject row', async () => {
    const d = startDaemon(['run', '--config', config(t.dir, 'sigterm', true)], { cwd: t.dir, limitMs: 60_000 });
    const decided = () => d.logs().filter((l) => l.msg === 'inspected').length;
    await d.until(() => decided() >= 5, '5 frames decided', 40_000);
    d.child.kill('SIGTERM');
    const { code } = await d.exited;
    expect(d.stderr()).toBe('');
    expect(code).toBe(0);
    const r = record(t.dir, 'sigterm', d);
    console.info(`[reliability/stopDrain] SIGTERM: ${r.rejectRows} reject rows, ${r.pulses} pulses, ${r.merged} merged, ${r.missed} missed`);
    expect(r.rejectRows).toBeGreaterThanOrEqual(5);
    expect(r.all).toBe(decided()); // every decided frame's row was flushed
    expect(r.missed).toBe(0);
    expect(r.pulses).toBe(r.rejectRows - r.merged);
    expect(r.dropLogs).toBe(0);
    expect(r.final).toEqual({ reject: 0, ready: 0, heartbeat: 0, result_valid: 0 });
  });
});
