/**
 * Helpers for the reliability tests: the BUILT daemon (dist/daemon/main.js) as a real child
 * process, small replay folders made from the bundled samples, and readers for the three
 * records a run leaves behind (SQLite file, simulated GPIO log, MQTT messages).
 *
 * Every test here runs against the real components; nothing is mocked. Build first:
 * `npx tsc -p .` (npm test does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { sleep } from '../helpers/poll.js';

export const ROOT = resolve(__dirname, '../..');
export const CLI = join(ROOT, 'dist/daemon/main.js');
export const SAMPLES = join(ROOT, 'samples/casting');
/** The test fixture model: untrained, card threshold 0.5 (every casting frame scores below it). */
export const FIXTURE_MODEL = join(ROOT, 'test/fixtures/model/tiny_gray.onnx');

export const sampleFiles = (): string[] => readdirSync(SAMPLES).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => join(SAMPLES, f));

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `inspectd-rel-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A replay folder of `n` frames: the 12 samples cycled, renamed f00001.jpeg … so name order = seq order. */
export function replayFolder(dir: string, n: number, prefix = 'f'): string {
  mkdirSync(dir, { recursive: true });
  const src = sampleFiles();
  for (let i = 0; i < n; i++) copyFileSync(src[i % src.length], join(dir, `${prefix}${String(i + 1).padStart(5, '0')}${extname(src[i % src.length])}`));
  return dir;
}

/** Copy the fixture model and its card into `dir` (tests that edit the card work on the copy). */
export function copyModel(dir: string, model = FIXTURE_MODEL): string {
  mkdirSync(dir, { recursive: true });
  const card = model.replace(/\.onnx$/, '.card.json');
  const to = join(dir, 'model.onnx');
  copyFileSync(model, to);
  copyFileSync(card, join(dir, 'model.card.json'));
  return to;
}

export interface DaemonRun {
  readonly child: ChildProcess;
  /** Exit code/signal once exited, else null. */
  status(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /**
   * Poll `cond` while the daemon runs; fails at once (with its output) if it exits first, and
   * after `timeoutMs` (a liveness bound, not a timing assertion) with its output too.
   */
  until(cond: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** stdout so far (pino JSON lines). */
  stdout(): string;
  stderr(): string;
  /** Parsed pino lines so far (non-JSON lines skipped). */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Start `inspectd <args>` as a child. `NOTIFY_SOCKET` is cleared so a CI runner under systemd
 * does not get our READY=1. A liveness kill after `limitMs` keeps a hung daemon from hanging
 * the suite (the test then fails on the exit code, not on a timing assertion).
 */
export function startDaemon(args: string[], opts: { cwd?: string; limitMs?: number; env?: Record<string, string>; uid?: number; gid?: number } = {}): DaemonRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NOTIFY_SOCKET: '', WATCHDOG_USEC: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: opts.uid,
    gid: opts.gid,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const limit = setTimeout(() => child.kill('SIGKILL'), opts.limitMs ?? 45_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('close', (code, signal) => {
      clearTimeout(limit);
      res({ code, signal });
    }),
  );
  live.add(child);
  let status: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void exited.then((s) => {
    status = s;
    live.delete(child);
  });
  const tail = () => `\n--- daemon stdout (tail) ---\n${out.slice(-3000)}\n--- daemon stderr ---\n${err.slice(-3000)}`;
  return {
    child,
    exited,
    status: () => status,
    async until(cond, what, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      while (!cond()) {
        if (status) throw new Error(`daemon exited (${JSON.stringify(status)}) before: ${what}${tail()}`);
        if (Date.now() > end) throw new Error(`timed out waiting for: ${what}${tail()}`);
        await sleep(20);
      }
    },
    stdout: () => out,
    stderr: () => err,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
  };
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Run to completion; returns code, stdout, stderr. */
export async function runDaemon(args: string[], opts: Parameters<typeof startDaemon>[1] = {}) {
  const d = startDaemon(args, opts);
  const { code, signal } = await d.exited;
  return { code, signal, stdout: d.stdout(), stderr: d.stderr(), logs: d.logs() };
}

/** A YAML config from sections written as flow maps (JSON is valid YAML flow syntax). */
export function writeConfig(file: string, sections: Record<string, unknown>): string {
  const text = Object.entries(sections)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('\n');
  writeFileSync(file, text + '\n');
  return file;
}

/**
 * `dir`/config.yaml for a station that would start: `frames` replay images (fixture pixels), the
 * fixture model, sim GPIO, SQLite, no MQTT or HTTP; `edit` replaces whole sections.
 */
export function stationConfig(dir: string, o: { station: string; frames: number; fps: number; loop: boolean; model?: string }, edit: Record<string, unknown> = {}): string {
  return writeConfig(join(dir, 'config.yaml'), {
    station: o.station,
    camera: { source: 'replay', path: replayFolder(join(dir, 'frames'), o.frames), fps: o.fps, loop: o.loop },
    model: { path: o.model ?? FIXTURE_MODEL },
    gpio: { backend: 'sim', sim_log: 'gpio.jsonl' },
    storage: { database: 'inspectd.db', images: 'images' },
    mqtt: { url: '' },
    http: { enabled: false },
    ...edit,
  });
}

export interface LineChange {
  t: number;
  line: 'reject' | 'ready' | 'heartbeat' | 'result_valid';
  value: 0 | 1;
}

export function readSimLog(file: string): LineChange[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LineChange);
}

/** Rising edges of one line (0 → 1 transitions, the log only records changes). */
export function rises(changes: LineChange[], line: LineChange['line']): LineChange[] {
  let level = 0;
  const out: LineChange[] = [];
  for (const c of changes) {
    if (c.line !== line) continue;
    if (c.value === 1 && level === 0) out.push(c);
    level = c.value;
  }
  return out;
}

/** Open the daemon's DB read-only, run `fn`, close. */
export function withDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export { settles, sleep, waitFor } from '../helpers/poll.js';
