/**
 * A row cap that keeps less history than retention_days promises is warned about, with the
 * numbers: in validate-config (stderr, and --json) and as a log line when the daemon starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configWarnings } from '../../src/config/history.js';
import { runDaemon, stationConfig } from '../reliability/daemon.js';

const cfg = (fps: number, max_rows: number, retention_days: number) => ({ camera: { fps }, storage: { max_rows, retention_days } }) as Parameters<typeof configWarnings>[0];
const tmp = mkdtempSync(join(tmpdir(), 'inspectd-history-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('history warning', () => {
  it('at 30 fps the default 2 M rows keep about 18.5 h, not 30 days: the numbers and both ways out', () => {
    const [w, ...rest] = configWarnings(cfg(30, 2_000_000, 30));
    expect(rest).toEqual([]);
    expect(w.code).toBe('CONFIG_HISTORY_SHORT');
    expect(w.figures).toEqual({ max_rows: 2_000_000, fps: 30, hours_kept: 18.5, retention_days: 30, rows_needed: 77_760_000 });
    expect(w.message).toContain('keeps about 18.5 h of inspection rows and images, less than the 30 days storage.retention_days promises');
    expect(w.message).toContain('set max_rows to 77760000');
    expect(w.message).toContain('or retention_days to 0.77');
    expect(configWarnings(cfg(5, 2_000_000, 30))[0].message).toContain('keeps about 4.6 days');
  });

  it.each([
    ['enough rows', cfg(5, 2_000_000, 4)],
    ['no row cap', cfg(30, 0, 30)],
    ['fps 0 (rate unknown)', cfg(0, 2_000_000, 30)],
  ])('no warning with %s', (_name, c) => {
    expect(configWarnings(c)).toEqual([]);
  });

  it('validate-config prints it on stderr and in --json, and still exits 0; run logs it with the figures', async () => {
    const file = stationConfig(tmp, { station: 'st-hist', frames: 1, fps: 30, loop: false }, { storage: { database: 'inspectd.db', images: 'images', retention_days: 30 } });
    const v = await runDaemon(['validate-config', '--config', file], { limitMs: 60_000 });
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(`${file}: valid\n`);
    expect(v.stderr).toMatch(/^warning: storage\.max_rows 2000000 at camera\.fps 30 keeps about 18\.5 h .*\n$/);
    const j = await runDaemon(['validate-config', '--config', file, '--json'], { limitMs: 60_000 });
    expect(JSON.parse(j.stdout)).toMatchObject({ valid: true, warnings: [{ code: 'CONFIG_HISTORY_SHORT', figures: { hours_kept: 18.5, rows_needed: 77_760_000 } }] });
    const r = await runDaemon(['run', '--config', file], { limitMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.logs.find((l: Record<string, unknown>) => l.code === 'CONFIG_HISTORY_SHORT')).toMatchObject({ level: 40, max_rows: 2_000_000, fps: 30, hours_kept: 18.5, retention_days: 30 });
  });
});
