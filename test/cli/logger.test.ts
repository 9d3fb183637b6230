/**
 * Logs for people on a terminal, JSON lines for journald: the format follows whether stdout is a
 * TTY; every line's durations are rounded and no key repeats a base binding. In-process here;
 * test/daemon/logs.test.ts checks the same through the built daemon in a pipe and in a pty.
 */
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { createLogger, logFormat, prettyLine, tidy } from '../../src/cli/logger.js';
import { statsLine } from '../../src/daemon/statsLine.js';

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b) => (text += b));
  return { out, text: () => text };
}

describe('log format', () => {
  it('pretty on a TTY, JSON lines otherwise; INSPECTD_LOG_FORMAT overrides either way', () => {
    expect(logFormat(true, {})).toBe('pretty');
    expect(logFormat(false, {})).toBe('json');
    expect(logFormat(true, { INSPECTD_LOG_FORMAT: 'json' })).toBe('json');
    expect(logFormat(false, { INSPECTD_LOG_FORMAT: 'pretty' })).toBe('pretty');
    expect(logFormat(false, { INSPECTD_LOG_FORMAT: 'fancy' })).toBe('json');
  });

  it('json: one object a line, the station once, durations rounded in the line only', () => {
    const c = capture();
    const log = createLogger({ level: 'info', station: 'cell-7', out: c.out, format: 'json' });
    const result = { seq: 3, stages: { preprocess_ms: 4.239341000000422, infer_ms: 11.5, score_ms: 0.1 + 0.2 }, latency_ms: 17.000000000000004 };
    log.info({ station: 'cell-7', camera: 'replay' }, 'inspectd ready');
    log.info(result, 'inspected');
    const [ready, inspected] = c.text().trim().split('\n');
    expect(ready.match(/"station"/g)).toHaveLength(1);
    expect(JSON.parse(ready)).toMatchObject({ station: 'cell-7', camera: 'replay', msg: 'inspectd ready' });
    expect(JSON.parse(inspected)).toMatchObject({ seq: 3, stages: { preprocess_ms: 4.24, infer_ms: 11.5, score_ms: 0.3 }, latency_ms: 17 });
    expect(result.stages.preprocess_ms).toBe(4.239341000000422); // the stored/published figure is untouched
  });

  it('a key that differs from the base binding is kept', () => {
    expect(tidy({ station: 'other', n: 1 }, { station: 'cell-7' })).toEqual({ station: 'other', n: 1 });
    expect(tidy({ station: 'cell-7', since_progress_ms: 0.975945000000138, count: 3 }, { station: 'cell-7' })).toEqual({ since_progress_ms: 0.98, count: 3 });
  });

  it('pretty: time, level, stage, message, then key=value; no JSON braces around the line', () => {
    const c = capture();
    const log = createLogger({ level: 'info', station: 's1', out: c.out, format: 'pretty' });
    log.child({ stage: 'mqtt' }).warn({ pending: 3, url: 'mqtt://h:1883', reason: 'two words' }, 'MQTT disconnected');
    log.error({ err: new Error('boom') }, 'fatal');
    const [a, b, ...stack] = c.text().trimEnd().split('\n');
    expect(a).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  \[mqtt\] MQTT disconnected {2}pending=3 url=mqtt:\/\/h:1883 reason="two words"$/);
    expect(b).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR fatal {2}err="boom"$/);
    expect(stack[0]).toMatch(/^ {4}Error: boom$/);
    expect(prettyLine('not json')).toBe('not json');
  });
});

describe('stats line', () => {
  const snap = { station: 's1', ts: 1, inspected: 10, passed: 9, rejected: 1, errors: 0, dropped: 0, fps: 5, latency_p50_ms: 20, latency_p99_ms: 40 };
  const parts = {
    camera: { captured: 10, dropped: 0, restarts: 0, missing: 0 },
    store: { recorded: 10, written: 10, dropped: 0, errors: 0, queued: 1, failing: false, images_paused: false },
    mqtt: { connected: true, published: 12, pending: 0, errors: 0 },
    plc: { expected: 10, decided: 10, late: 0, missed: 0, ready: true },
    model: { workers: 2, completed: 10, restarts: 0 },
  };

  it('healthy: the interval figures only (no station/ts repeated, no per-part counters)', () => {
    expect(statsLine(snap, parts)).toEqual({ inspected: 10, passed: 9, rejected: 1, errors: 0, dropped: 0, fps: 5, latency_p50_ms: 20, latency_p99_ms: 40 });
  });

  it('in trouble: what is off, per part', () => {
    const line = statsLine(snap, { ...parts, mqtt: { ...parts.mqtt, connected: false, pending: 7 }, model: { ...parts.model, restarts: 1 } });
    expect(line.mqtt).toEqual({ connected: false, pending: 7 });
    expect(line.model).toEqual({ restarts: 1 });
    expect(line.store).toBeUndefined();
  });

  it('the final line at stop carries every counter', () => {
    expect(statsLine(snap, parts, true)).toMatchObject({ inspected: 10, plc: parts.plc, camera: parts.camera, store: parts.store });
  });
});
