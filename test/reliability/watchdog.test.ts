/**
 * The systemd watchdog counts only real inferences as progress (built daemon, real notify
 * socket): a replay where every frame is undecodable keeps the pipeline busy with `error`
 * verdicts, which must not keep WATCHDOG=1 going. The daemon says why on STATUS= and then sends
 * no ping at all; datagrams from one sender arrive in order, so "no WATCHDOG=1 after the stall
 * status" is an ordering fact, not a timing one.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/mosquitto.js';
import { notifyReceiver, type NotifyReceiver } from '../helpers/notifySocket.js';
import { FIXTURE_MODEL, startDaemon, tempDir, withDb, writeConfig } from './daemon.js';

describe('a stream of error verdicts is not progress: watchdog pings stop (built daemon)', () => {
  const t = tempDir('watchdog');
  const dbFile = join(t.dir, 'inspectd.db');
  let receiver: NotifyReceiver;
  let msgs: string[] = [];
  let rows: Array<{ verdict: string; error_code: string | null }> = [];
  let exit: { code: number | null };

  const count = () => {
    try {
      return withDb(dbFile, (db) => (db.prepare('SELECT count(*) n FROM inspections').get() as { n: number }).n);
    } catch {
      return 0;
    }
  };

  beforeAll(async () => {
    const frames = join(t.dir, 'frames');
    mkdirSync(frames);
    for (let i = 1; i <= 6; i++) writeFileSync(join(frames, `f${i}.png`), randomBytes(2048));
    receiver = await notifyReceiver(join(t.dir, 'notify.sock'));
    const cfg = writeConfig(join(t.dir, 'config.yaml'), {
      station: 'st-wd',
      camera: { source: 'replay', path: frames, fps: 40, loop: true, stall_ms: 300 },
      model: { path: FIXTURE_MODEL },
      gpio: { backend: 'sim', sim_log: 'gpio.jsonl', pulse_ms: 2, strobe_ms: 1, stall_ms: 300 },
      storage: { database: 'inspectd.db', images: 'images', save_images: 'none' },
      mqtt: { url: '' },
      http: { enabled: false },
    });
    const d = startDaemon(['run', '--config', cfg], { limitMs: 40_000, env: { NOTIFY_SOCKET: join(t.dir, 'notify.sock'), WATCHDOG_USEC: '200000' } });
    await d.until(() => receiver.messages().some((m) => m.includes('STATUS=stalled')), 'the stall status on the notify socket');
    // Error frames keep coming after the stall: the pipeline is busy, yet no ping may follow.
    const atStall = count();
    await d.until(() => count() >= atStall + 20, '20 more error rows after the stall');
    d.child.kill('SIGTERM');
    exit = await d.exited;
    await waitFor(() => receiver.messages().some((m) => m.includes('STOPPING=1')), 'STOPPING=1 received', 5000);
    msgs = receiver.messages();
    rows = withDb(dbFile, (db) => db.prepare('SELECT verdict, error_code FROM inspections').all() as typeof rows);
  }, 60_000);

  afterAll(() => {
    receiver?.close();
    t.cleanup();
  });

  it('every frame was an error verdict (the pipeline was busy, not idle)', () => {
    expect(exit.code).toBe(0);
    expect(rows.length).toBeGreaterThan(20);
    expect(new Set(rows.map((r) => `${r.verdict} ${r.error_code}`))).toEqual(new Set(['error FRAME_DECODE']));
  });

  it('pinged while warming up, then said why it stopped and sent no WATCHDOG=1 after that', () => {
    const stall = msgs.findIndex((m) => m.includes('STATUS=stalled'));
    expect(msgs[stall]).toContain('every frame fails');
    expect(msgs.slice(0, stall).some((m) => m.split('\n').includes('WATCHDOG=1'))).toBe(true);
    expect(msgs.slice(stall).some((m) => m.split('\n').includes('WATCHDOG=1'))).toBe(false);
    expect(msgs.slice(stall).some((m) => m.includes('STOPPING=1'))).toBe(true);
  });
});
