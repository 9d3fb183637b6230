/**
 * Config files that are not configs, through the built CLI: a 100k-deep nested YAML (flow and
 * block: it aborted V8), a billion-laughs alias bomb, a 50 MB file, 3000 keys, a FIFO in place of
 * the file, and 10k-character strings. Each is refused with a clear problem: validate-config
 * exits 1 with `valid: false`, run exits 2 ("refusing to start"), and nothing is written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDaemon, stationConfig, tempDir } from './daemon.js';

const t = tempDir('hostilecfg');
afterAll(() => t.cleanup());

interface Problem { path: string; line?: number; message: string }

async function refuse(dir: string, cfg: string): Promise<Problem[]> {
  const before = readdirSync(dir).sort();
  const v = await runDaemon(['validate-config', '--config', cfg, '--json'], { limitMs: 60_000 });
  expect({ code: v.code, signal: v.signal, stderr: v.stderr }).toEqual({ code: 2, signal: null, stderr: '' });
  const out = JSON.parse(v.stdout) as { valid: boolean; problems: Problem[] };
  expect(out.valid).toBe(false);
  const r = await runDaemon(['run', '--config', cfg], { limitMs: 60_000 });
  expect({ code: r.code, signal: r.signal, stdout: r.stdout }).toEqual({ code: 2, signal: null, stdout: '' });
  expect(r.stderr).toContain('refusing to start');
  for (const p of out.problems) expect(r.stderr).toContain(p.message.slice(0, 60));
  expect(readdirSync(dir).sort()).toEqual(before);
  expect(existsSync(join(dir, 'inspectd.db'))).toBe(false);
  return out.problems;
}

function caseDir(name: string): string {
  const dir = join(t.dir, name);
  mkdirSync(dir);
  return dir;
}

/** A config that would start except for `edit` (sections as flow maps). */
function config(dir: string, edit: Record<string, unknown> = {}): string {
  return stationConfig(dir, { station: 'st-hostile', frames: 1, fps: 0, loop: false }, edit);
}

describe('hostile config files are refused with a clear problem (built CLI)', () => {
  it('the baseline config is valid (each case below fails only for its own fault)', async () => {
    const v = await runDaemon(['validate-config', '--config', config(caseDir('good'))], { limitMs: 60_000 });
    expect({ code: v.code, stderr: v.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it.each([
    ['flow', (n: number) => `x: ${'['.repeat(n)}${']'.repeat(n)}\n`],
    ['block', (n: number) => `x:\n  ${'- '.repeat(n)}leaf\n`],
  ])('a 100k-deep %s nesting: "nested deeper than 32 levels", with its line', async (name, deep) => {
    const dir = caseDir(`deep-${name}`);
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, 'station: a\n' + deep(100_000));
    const ps = await refuse(dir, cfg);
    expect(ps).toEqual([{ path: '', line: name === 'flow' ? 2 : 3, message: 'YAML nested deeper than 32 levels' }]);
  }, 120_000);

  it('a billion-laughs alias bomb: refused as excessive aliasing', async () => {
    const dir = caseDir('laughs');
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const [me, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      lines.push(`${me}: &${me} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, lines.join('\n') + '\n');
    const ps = await refuse(dir, cfg);
    expect(ps).toHaveLength(1);
    expect(ps[0].message).toMatch(/^YAML: Excessive alias count .*at most 100 alias expansions/);
  }, 120_000);

  it('a 50 MB file: refused by its size before it is read', async () => {
    const dir = caseDir('huge');
    const cfg = config(dir);
    truncateSync(cfg, 50 * 1024 * 1024);
    const ps = await refuse(dir, cfg);
    expect(ps).toEqual([{ path: '', message: `cannot read config file: ${cfg} is 50 MiB, above the 262144 bytes limit for a config file` }]);
  }, 120_000);

  it('3000 keys: refused by the entry count (duplicate-key checks are quadratic)', async () => {
    const dir = caseDir('keys');
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, 'station: a\ncamera:\n' + Array.from({ length: 3000 }, (_, i) => `  k${i}: 1\n`).join(''));
    const ps = await refuse(dir, cfg);
    expect(ps).toEqual([{ path: '', line: 3, message: 'YAML holds more than 2000 map/list entries' }]);
  }, 120_000);

  it('a FIFO as the config file: refused, not waited on', async () => {
    const dir = caseDir('fifo');
    const cfg = join(dir, 'config.yaml');
    execFileSync('mkfifo', [cfg]);
    const ps = await refuse(dir, cfg);
    expect(ps).toEqual([{ path: '', message: `cannot read config file: ${cfg} is a FIFO (named pipe), not a regular file` }]);
  }, 120_000);

  it('a 10k-character topic_prefix, station and database path: each named, with its bound', async () => {
    const dir = caseDir('strings');
    const long = 'p'.repeat(10_000);
    const cfg = config(dir, { station: long, mqtt: { url: '', topic_prefix: long }, storage: { database: `${long}.db`, images: 'images' } });
    const ps = await refuse(dir, cfg);
    const by = (p: string) => ps.find((x) => x.path === p)?.message;
    expect(by('station')).toMatch(/<=128 characters/);
    expect(by('mqtt.topic_prefix')).toMatch(/<=128 characters/);
    expect(by('storage.database')).toMatch(/<=4096 characters/);
    expect(ps).toHaveLength(3);
  }, 120_000);
});
