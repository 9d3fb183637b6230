/**
 * Regression for issue 9 item 5: every pulse merge logged the whole list of merged seqs, so a
 * 5-minute run of back-to-back rejects wrote 42 MB of log (lines up to 13.7 KB). Merges are
 * counted (plc.stats().merged, /metrics) and logged as a bounded summary at most every
 * MERGE_LOG_EVERY_MS. Strict fake GPIO, fake clock.
 */
import { describe, expect, it } from 'vitest';
import { createPlcSignals } from '../../src/actuate/plc.js';
import { MERGE_LOG_EVERY_MS } from '../../src/actuate/pulses.js';
import type { Logger } from '../../src/platform/log.js';
import { FakeClock } from '../fakes/clock.js';
import { StrictGpio } from '../fakes/gpio.js';

function recordingLog() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
  const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

async function run(gapsMs: number[], durationMs: number) {
  const clock = new FakeClock(1000);
  const gpio = new StrictGpio(() => clock.now());
  const { log, lines } = recordingLog();
  const plc = createPlcSignals({ gpio, travelMs: 300, pulseMs: 50, strobeMs: 5, clock, log });
  await plc.start();
  let seq = 0;
  for (let t = 1000, i = 0; t < 1000 + durationMs; t += gapsMs[i++ % gapsMs.length]) {
    clock.advanceTo(t);
    const part = { seq: ++seq, capturedAt: t };
    plc.expect(part);
    plc.decided(part, true);
  }
  const closed = plc.close();
  clock.advance(10_000);
  await closed;
  const merges = lines.filter((l) => l.msg?.includes('merged'));
  return { plc, gpio, merges, parts: seq };
}

describe('reject pulse merges: counted, logged as a bounded summary', () => {
  it('5 minutes of back-to-back rejects (one continuous merged pulse): a line per 10 s at most, each small', async () => {
    const minutes5 = 5 * 60_000;
    const { plc, gpio, merges, parts } = await run([50], minutes5); // 20 fps, 50 ms pulses touch
    expect(parts).toBe(6000);
    expect(plc.stats()).toMatchObject({ rejected: 6000, merged: 5999, pulses: 1, dropped: 0 });
    expect(gpio.pulses('reject')).toEqual([{ start: 1300, end: 1000 + minutes5 - 50 + 300 + 50 }]);
    expect(merges.length).toBeGreaterThan(0);
    expect(merges.length).toBeLessThanOrEqual(minutes5 / MERGE_LOG_EVERY_MS + 2);
    for (const m of merges) expect(JSON.stringify(m.obj).length).toBeLessThan(300);
    // Nothing is lost from the record: the summaries add up to the count.
    expect(merges.reduce((n, m) => n + (m.obj.merges as number), 0)).toBe(5999);
    expect(merges.at(-1)!.obj).toMatchObject({ merged_total: 5999, latest: { first_seq: 1, last_seq: 6000, parts: 6000 } });
  });

  it('many separate merged pulses (pairs 20 ms apart, 200 ms between pairs): still bounded, still counted', async () => {
    const minutes5 = 5 * 60_000;
    const { plc, gpio, merges, parts } = await run([20, 200], minutes5);
    const pairs = parts / 2;
    expect(plc.stats()).toMatchObject({ rejected: parts, merged: pairs, pulses: pairs });
    expect(gpio.pulses('reject')).toHaveLength(pairs);
    expect(merges.length).toBeLessThanOrEqual(minutes5 / MERGE_LOG_EVERY_MS + 2);
    for (const m of merges) expect(JSON.stringify(m.obj).length).toBeLessThan(300);
    expect(merges.reduce((n, m) => n + (m.obj.merges as number), 0)).toBe(pairs);
  });
});
