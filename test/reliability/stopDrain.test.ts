/**
 * Issue 9 item 1, against the built daemon: a stop must not cancel reject pulses already
 * scheduled. Before the fix, a finite replay (loop: false) with travel_ms 300 of 12 defect frames
 * at 5 fps wrote 11 reject rows and pulsed 9 times ("closing drops scheduled reject pulses"); a
 * SIGTERM mid-run lost the last pulse the same way.
 *
 * The fixture model rejects every casting frame, so every row is a reject and (fail-safe) every
 * late part too: the reject rising edges in the sim GPIO log must equal the reject/error rows in
 * the SQLite file. The final stats line accounts for what a loaded machine can add or take away
 * without any stop involved, so the test stays exact there too: frames dropped by the full
 * capture queue (rejected, no row: plc.failed), requests folded into another pulse (plc.merged),
 * and late-timer misses (plc.missed, normally 0 with this decision margin).
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
  const plc = (d.logs().filter((l) => l.msg === 'stats').at(-1) as { plc?: Record<string, number> } | undefined)?.plc ?? {};
  const final = Object.fromEntries(LINES.map((l) => [l, sim.filter((c) => c.line === l).at(-1)?.value]));
  const decided = d.logs().filter((l) => l.msg === 'inspected').length;
  const stat = (k: string) => plc[k] ?? NaN;
  return { rejectRows: rows.length, all, decided, pulses: rises(sim, 'reject').length, failed: stat('failed'), merged: stat('merged'), missed: stat('missed'), final, dropLogs: d.logs().filter((l) => l.code === 'GPIO_REJECT_DROPPED' || l.msg === 'closing drops scheduled reject pulses').length };
}

/** Every reject request made a pulse: none was cancelled by the stop. */
function expectEveryRejectPulsed(r: ReturnType<typeof record>, what: string) {
  console.info(`[reliability/stopDrain] ${what}: ${r.rejectRows} reject rows, ${r.pulses} pulses (queue-dropped ${r.failed}, merged ${r.merged}, missed ${r.missed})`);
  expect(r.all).toBe(r.decided); // every decided frame's row was flushed
  expect(r.rejectRows).toBe(r.all);
  expect(r.pulses).toBe(r.rejectRows + r.failed - r.merged - r.missed);
  expect(r.dropLogs).toBe(0);
  expect(r.final).toEqual({ reject: 0, ready: 0, heartbeat: 0, result_valid: 0 });
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
    expect(r.all + r.failed).toBe(12);
    expectEveryRejectPulsed(r, 'end of replay');
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
    expect(r.rejectRows).toBeGreaterThanOrEqual(5);
    expectEveryRejectPulsed(r, 'SIGTERM');
  });
});
