/**
 * The built daemon's log through a pipe (as under systemd: JSON lines) and through a pseudo-
 * terminal (`script`, util-linux: lines for people). A replay of the samples that ends by itself.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/daemon/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'inspectd-logs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function config(name: string): string {
  const f = join(tmp, `${name}.yaml`);
  writeFileSync(f, [
    'station: log-test',
    `camera: { source: replay, path: ${join(ROOT, 'samples/casting')}, fps: 10, loop: false }`,
    `model: { path: ${join(ROOT, 'models/casting-int8.onnx')} }`,
    `gpio: { backend: sim, sim_log: ${name}/gpio.jsonl }`,
    `storage: { database: ${name}/inspectd.db, images: ${name}/images }`,
    'mqtt: { url: "", stats_interval_s: 0.3 }',
    'http: { enabled: false }',
  ].join('\n'));
  return f;
}

const env = { ...process.env, NOTIFY_SOCKET: '', INSPECTD_LOG_FORMAT: '' };

describe('daemon log format (built CLI)', () => {
  it('stdout not a terminal: JSON lines; the ready line has no repeated key; periodic stats lines are short', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', '--config', config('pipe')], { encoding: 'utf8', env, timeout: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    for (const l of lines) {
      const keys = [...l.matchAll(/[{,]"([^"]+)":/g)].map((m) => m[1]);
      const top = JSON.parse(l) as Record<string, unknown>;
      expect(keys.filter((k) => k === 'station'), l).toHaveLength(1);
      expect(top.station).toBe('log-test');
    }
    const ready = lines.map((l) => JSON.parse(l)).find((o) => o.msg === 'inspectd ready');
    expect(ready).toMatchObject({ camera: 'replay', gpio: 'sim' });
    const stats = lines.filter((l) => l.includes('"msg":"stats"'));
    expect(stats.length).toBeGreaterThanOrEqual(2); // periodic ones, then the final one at stop
    for (const l of stats.slice(0, -1)) {
      expect(l.length).toBeLessThan(300);
      // Only what is off may appear per part (e.g. ready false before the first decision on a
      // loaded box), never the full counters.
      expect(JSON.parse(l).plc ?? {}).not.toHaveProperty('decided');
    }
    expect(JSON.parse(stats.at(-1)!).plc).toMatchObject({ decided: 12 }); // the run's record keeps every counter
  });

  it('stdout a terminal: one readable line per event, no JSON objects', () => {
    const cmd = [process.execPath, CLI, 'run', '--config', config('tty')].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env, timeout: 90_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.replace(/\r/g, '').trim().split('\n');
    expect(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} INFO  inspectd ready {2}camera=replay /.test(l))).toBe(true);
    expect(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} INFO  stats {2}inspected=\d+ /.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
  });
});
