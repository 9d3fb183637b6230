/**
 * Files in a replay (or eval) folder that are not images one can safely read: a symlink to
 * /dev/zero (an unbounded read), a FIFO named like a JPEG (an open that blocks forever), a folder
 * named x.jpg, and a file above camera.max_frame_bytes. Through the built daemon each becomes a
 * row with verdict `error` and its FRAME_* code and a reject pulse, the good frames around them
 * are inspected, and a SIGTERM stop still ends the run; `inspectd eval` counts them as errors.
 *
 * model.threshold is -1 so every decodable frame passes: the reject pulses are the error frames.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MODEL, readSimLog, rises, runDaemon, sampleFiles, startDaemon, tempDir, withDb, writeConfig } from './daemon.js';

const MAX = 100_000; // the samples are ~10 kB
const FRAMES: Array<[string, string | null]> = [
  ['a01_good.jpeg', null],
  ['a02_devzero.jpg', 'FRAME_NOT_A_FILE'],
  ['a03_good.jpeg', null],
  ['a04_fifo.jpg', 'FRAME_NOT_A_FILE'],
  ['a05_good.jpeg', null],
  ['a06_dir.jpg', 'FRAME_NOT_A_FILE'],
  ['a07_good.jpeg', null],
  ['a08_big.jpg', 'FRAME_FILE_TOO_LARGE'],
  ['a09_good.jpeg', null],
];

function makeFolder(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const good = sampleFiles();
  for (const [i, [name]] of FRAMES.entries()) {
    const to = join(dir, name);
    if (name.includes('good')) copyFileSync(good[i % good.length], to);
    else if (name.includes('devzero')) symlinkSync('/dev/zero', to);
    else if (name.includes('fifo')) execFileSync('mkfifo', [to]);
    else if (name.includes('dir')) mkdirSync(to);
    else if (name.includes('big')) writeFileSync(to, Buffer.concat([readFileSync(good[0]), Buffer.alloc(MAX)]));
  }
  return dir;
}

type Row = { seq: number; source: string; verdict: string; error_code: string | null; error_message: string | null; ts: number };

describe('unreadable files in a replay folder are error frames, not hangs (built daemon, SQLite, sim GPIO)', () => {
  const t = tempDir('unreadable');
  const frames = makeFolder(join(t.dir, 'frames'));
  const config = (name: string, loop: boolean) =>
    writeConfig(join(t.dir, `${name}.yaml`), {
      station: 'st-unread',
      camera: { source: 'replay', path: frames, fps: 10, loop, queue: 64, max_frame_bytes: MAX },
      model: { path: FIXTURE_MODEL, threshold: -1 },
      gpio: { backend: 'sim', sim_log: `${name}.gpio.jsonl`, pulse_ms: 5, strobe_ms: 1 },
      storage: { database: `${name}.db`, images: `${name}-images` },
      mqtt: { url: '' },
      http: { enabled: false },
    });
  let run: Awaited<ReturnType<typeof runDaemon>>;
  let rows: Row[] = [];

  beforeAll(async () => {
    run = await runDaemon(['run', '--config', config('once', false)], { limitMs: 45_000 });
    rows = withDb(join(t.dir, 'once.db'), (db) => db.prepare('SELECT seq, source, verdict, error_code, error_message, ts FROM inspections ORDER BY seq').all() as Row[]);
  }, 60_000);
  afterAll(() => t.cleanup());

  it('reads past every bad entry to the end of the folder and exits 0', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(rows.map((r) => r.source)).toEqual(FRAMES.map(([n]) => n));
  });

  it('each bad entry is a row with verdict error and its FRAME_* code; the good ones are inspected', () => {
    for (const [i, [name, code]] of FRAMES.entries()) {
      const r = rows[i];
      expect({ name, verdict: r.verdict, code: r.error_code }).toEqual({ name, verdict: code ? 'error' : 'pass', code });
    }
    const msg = (n: string) => rows.find((r) => r.source === n)!.error_message;
    expect(msg('a02_devzero.jpg')).toMatch(/a character device, not a regular file/);
    expect(msg('a04_fifo.jpg')).toMatch(/a FIFO \(named pipe\), not a regular file/);
    expect(msg('a06_dir.jpg')).toMatch(/a folder, not a regular file/);
    expect(msg('a08_big.jpg')).toMatch(/above the 100000 bytes limit \(camera\.max_frame_bytes\)/);
  });

  it('pulses the reject line once per bad entry (on_error: reject)', () => {
    const changes = readSimLog(join(t.dir, 'once.gpio.jsonl'));
    const errs = rows.filter((r) => r.verdict === 'error');
    expect(errs.length).toBe(4);
    expect(rises(changes, 'reject').length).toBe(errs.length);
    expect(rises(changes, 'result_valid').length).toBe(FRAMES.length);
  });

  it('looping over the folder, a SIGTERM after the FIFO has been passed twice stops the daemon with exit 0', async () => {
    const d = startDaemon(['run', '--config', config('loop', true)], { limitMs: 45_000 });
    const fifoRows = () => d.logs().filter((l) => l.msg === 'frame could not be inspected' && l.source === 'a04_fifo.jpg').length;
    await d.until(() => fifoRows() >= 2, 'the FIFO read twice');
    d.child.kill('SIGTERM');
    const st = await d.exited;
    expect(st).toEqual({ code: 0, signal: null });
    expect(d.logs().some((l) => l.msg === 'stopped')).toBe(true);
  }, 60_000);

  it('inspectd eval reads the same folder: the unreadable entries are errors, the rest are scored (its cap is the 64 MiB default)', async () => {
    const out = join(t.dir, 'scores.json');
    const r = await runDaemon(['eval', '--model', FIXTURE_MODEL, '--good', frames, '--defect', frames, '--json', '--scores-out', out], { limitMs: 45_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const unreadable = FRAMES.filter(([, c]) => c === 'FRAME_NOT_A_FILE');
    expect(JSON.parse(r.stdout).errors).toBe(2 * unreadable.length);
    const { good } = JSON.parse(readFileSync(out, 'utf8')) as { good: Array<{ file: string; score: number | null; error?: string }> };
    expect(good.map((g) => [g.file.split('/').pop(), g.score === null])).toEqual(FRAMES.map(([n, c]) => [n, c === 'FRAME_NOT_A_FILE']));
    expect(good.find((g) => g.file.endsWith('a04_fifo.jpg'))!.error).toMatch(/FIFO/);
  }, 60_000);
});
