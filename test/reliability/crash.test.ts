/**
 * Crash safety: SIGKILL the built daemon while it inspects and writes at full rate (replay fps 0,
 * loop), then check the SQLite file and restart on it.
 *
 * Loss bound (src/store: rows are committed in one transaction per flush, every flushMs = 200 ms
 * or as soon as batchSize = 100 rows wait, WAL + synchronous NORMAL so a commit survives a process
 * kill): a kill loses only the rows decided since the last commit — at most one batch (≤ 100 rows,
 * and no more than 200 ms of decisions) — and never a row before the last committed batch, so the
 * committed seqs are exactly 1..k with no hole. The test measures the loss against the daemon's
 * own per-frame debug log (pino writes to a pipe synchronously) and asserts it is within the batch.
 *
 * The broker is down during the first run, so every result is still in the outbox at the kill;
 * the restart (broker up) must deliver them, and must first drive every output line to its safe
 * state (the sim GPIO log is rewritten per run: its first lines are the initial levels).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type Broker } from '../helpers/mosquitto.js';
import { subscriber } from '../publish/clients.js';
import { FIXTURE_MODEL, readSimLog, replayFolder, startDaemon, tempDir, writeConfig, settles, type LineChange } from './daemon.js';

const BATCH = 100; // src/store default batchSize
const KILL_AFTER_ROWS = 300;
const N2 = 5;

describe('SIGKILL at full write rate, then restart on the same database', () => {
  const t = tempDir('crash');
  const dbFile = join(t.dir, 'inspectd.db');
  let broker: Broker;
  let sub: Awaited<ReturnType<typeof subscriber>>;
  let killed: { code: number | null; signal: NodeJS.Signals | null };
  let decidedSeqs: number[] = [];
  /** Read right after the kill, before anything reopens the file. */
  let afterKill: { integrity: unknown; seqs: number[]; pending: number };
  let second: { code: number | null; stderr: string };
  let sim2: LineChange[] = [];

  const config = (name: string, frames: string, n: number, prefix: string, loop: boolean, fps: number) =>
    writeConfig(join(t.dir, `${name}.yaml`), {
      station: 'st-crash',
      camera: { source: 'replay', path: replayFolder(join(t.dir, frames), n, prefix), fps, loop },
      model: { path: FIXTURE_MODEL },
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 1, strobe_ms: 1 },
      storage: { database: 'inspectd.db', images: 'images', save_images: 'none' },
      mqtt: { url: broker.url, topic_prefix: 'rel', client_id: 'inspectd-crash', stats_interval_s: 60 },
      http: { enabled: false },
      log: { level: 'debug' },
    });

  beforeAll(async () => {
    broker = await startMosquitto({ persistence: true });
    sub = await subscriber(broker.url, ['rel/st-crash/result'], { clientId: 'historian-crash', clean: false, reconnectPeriod: 100 });
    await broker.stop(); // first run: broker unreachable, everything stays in the outbox

    const d1 = startDaemon(['run', '--config', config('run1', 'frames1', 12, 'a', true, 0)], { limitMs: 40_000 });
    const count = () => {
      try {
        const db = new Database(dbFile, { readonly: true, fileMustExist: true });
        try {
          return (db.prepare('SELECT count(*) n FROM inspections').get() as { n: number }).n;
        } finally {
          db.close();
        }
      } catch {
        return 0; // not created / schema not there yet
      }
    };
    await d1.until(() => count() >= KILL_AFTER_ROWS, `${KILL_AFTER_ROWS} committed rows`, 30_000);
    d1.child.kill('SIGKILL');
    killed = await d1.exited;
    decidedSeqs = d1.logs().filter((l) => l.msg === 'inspected').map((l) => l.seq as number);
    {
      const db = new Database(dbFile, { readonly: true });
      afterKill = {
        integrity: db.pragma('integrity_check', { simple: true }),
        seqs: (db.prepare('SELECT seq FROM inspections ORDER BY id').all() as Array<{ seq: number }>).map((r) => r.seq),
        pending: (db.prepare('SELECT count(*) n FROM outbox WHERE delivered_ts IS NULL').get() as { n: number }).n,
      };
      db.close();
    }

    await broker.start();
    const d2 = startDaemon(['run', '--config', config('run2', 'frames2', N2, 'b', false, 20)], { limitMs: 40_000 });
    const e2 = await d2.exited;
    second = { code: e2.code, stderr: d2.stderr() };
    sim2 = readSimLog(join(t.dir, 'gpio.jsonl'));
    // The broker may still be handing the delivered results on: wait until the subscriber holds a
    // result for every row of both runs (the tests below say which are missing if it never does).
    const results = () => sub.on('rel/st-crash/result').map((m) => JSON.parse(m.payload) as { seq: number; source: string });
    const runSeqs = (prefix: string) => new Set(results().filter((r) => r.source.startsWith(prefix)).map((r) => r.seq)).size;
    await settles(() => runSeqs('a') >= afterKill.seqs.length && runSeqs('b') >= N2, 10_000);
  }, 60_000);

  afterAll(async () => {
    await sub?.close();
    await broker?.close();
    t.cleanup();
  });

  it('was killed by SIGKILL mid-run', () => {
    expect(killed.signal).toBe('SIGKILL');
    expect(decidedSeqs.length).toBeGreaterThanOrEqual(KILL_AFTER_ROWS);
  });

  it('right after the kill: integrity ok, rows contiguous from seq 1, loss within one batch, outbox kept', () => {
    expect(afterKill.integrity).toBe('ok');
    const seqs = afterKill.seqs;
    expect(seqs.length).toBeGreaterThanOrEqual(KILL_AFTER_ROWS);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const lastDecided = Math.max(...decidedSeqs);
    const lost = lastDecided - seqs.length;
    expect(lost).toBeGreaterThanOrEqual(0);
    expect(lost).toBeLessThanOrEqual(BATCH);
    // result + alert per committed row (the fixture model rejects every casting frame), none delivered (broker down).
    expect(afterKill.pending).toBe(2 * seqs.length);
    console.info(`[reliability/crash] killed after ${lastDecided} decided frames; ${seqs.length} rows committed; lost ${lost} (bound ${BATCH})`);
  });

  it('restarts: every output starts in its safe state before any pulse, run ends with exit 0', () => {
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const lines = ['reject', 'ready', 'heartbeat', 'result_valid'];
    const head = sim2.slice(0, lines.length);
    expect(head.map((c) => c.line).sort()).toEqual([...lines].sort());
    for (const c of head) expect(c.value).toBe(0);
    expect(sim2.some((c) => c.line === 'reject' && c.value === 1)).toBe(true); // it did run (fixture rejects all)
  });

  it('the outbox resumes: results from before the kill are delivered, nothing left undelivered', () => {
    const db = new Database(dbFile, { readonly: true });
    let before: number[];
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      before = (db.prepare("SELECT seq FROM inspections WHERE source LIKE 'a%' ORDER BY seq").all() as Array<{ seq: number }>).map((r) => r.seq);
      expect((db.prepare('SELECT count(*) n FROM outbox WHERE delivered_ts IS NULL').get() as { n: number }).n).toBe(0);
      expect((db.prepare("SELECT count(*) n FROM inspections WHERE source LIKE 'b%'").get() as { n: number }).n).toBe(N2);
    } finally {
      db.close();
    }
    const got = sub.on('rel/st-crash/result').map((m) => JSON.parse(m.payload) as { seq: number; source: string });
    const run1 = new Set(got.filter((r) => r.source.startsWith('a')).map((r) => r.seq));
    expect([...run1].sort((a, b) => a - b)).toEqual(before);
    expect(new Set(got.filter((r) => r.source.startsWith('b')).map((r) => r.seq)).size).toBe(N2);
  });
});
