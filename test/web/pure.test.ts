import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, cookieValue, hostName, isLoopbackHost, tokenMatches } from '../../src/web/auth.js';
import { Calibration } from '../../src/web/calibration.js';
import { IMAGE_TYPES, resolveInside } from '../../src/web/files.js';
import { healthOf } from '../../src/web/health.js';
import { statNum } from '../../src/web/metrics.js';
import { ScoreRing, histogram, preview } from '../../src/web/scores.js';

describe('ScoreRing', () => {
  it('keeps the last `capacity` scores, oldest first, errors as NaN', () => {
    const r = new ScoreRing(3);
    expect(Array.from(r.values())).toEqual([]);
    r.push(0.1);
    r.push(null);
    expect(Array.from(r.values())).toEqual([0.1, NaN]);
    r.push(0.3);
    r.push(0.4);
    r.push(Number.POSITIVE_INFINITY);
    expect(r.size).toBe(3);
    expect(r.pushed).toBe(5);
    expect(Array.from(r.values())).toEqual([0.3, 0.4, NaN]);
  });
  it('refuses a non-positive capacity', () => {
    expect(() => new ScoreRing(0)).toThrow(RangeError);
  });
});

describe('preview (what a threshold would have rejected)', () => {
  const scores = [0.5, 0.6, 0.7, 0.8, 0.9, NaN];
  it.each([
    [0.75, { n: 6, below: 3, errors: 1, rejected: 4 }],
    [0.5, { n: 6, below: 0, errors: 1, rejected: 1 }], // strictly below: a score equal to the threshold passes
    [0.5000001, { n: 6, below: 1, errors: 1, rejected: 2 }],
    [-1, { n: 6, below: 0, errors: 1, rejected: 1 }],
    [1, { n: 6, below: 5, errors: 1, rejected: 6 }],
  ])('threshold %s', (t, want) => {
    expect(preview(scores, t)).toEqual(want);
  });
});

describe('histogram', () => {
  it('bins over an explicit range, the top edge in the last bin, out-of-range and NaN left out', () => {
    const h = histogram([0, 0.24, 0.25, 0.5, 0.99, 1, 1.5, NaN], 4, { lo: 0, hi: 1 });
    expect(h.counts).toEqual([2, 1, 1, 2]);
    expect(h.n).toBe(7);
    expect(h.min).toBe(0);
    expect(h.max).toBe(1.5);
  });
  it('spans the data and the included threshold lines, padded', () => {
    const h = histogram([0.9, 0.95], 10, undefined, [0.5]);
    expect(h.lo).toBeLessThan(0.5);
    expect(h.hi).toBeGreaterThan(0.95);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });
  it('has a usable range with no data', () => {
    const h = histogram([], 5);
    expect(h.hi).toBeGreaterThan(h.lo);
    expect(h.n).toBe(0);
    expect(h.min).toBeNull();
  });
  it('refuses bad bins or an empty range', () => {
    expect(() => histogram([1], 0)).toThrow(RangeError);
    expect(() => histogram([1], 3, { lo: 1, hi: 1 })).toThrow(RangeError);
  });
});

describe('healthOf', () => {
  const base = { startedAt: 0, stallS: 10, paused: false };
  it.each([
    [{ now: 5_000, lastDecisionAt: null }, false, 'starting: no frame decided yet'],
    [{ now: 20_000, lastDecisionAt: null }, false, 'no frame decided in the 10 s since start'],
    [{ now: 20_000, lastDecisionAt: 15_000 }, true, undefined],
    [{ now: 20_000, lastDecisionAt: 10_000 }, true, undefined], // exactly stall_s old: still ok
    [{ now: 20_000, lastDecisionAt: 9_000 }, false, 'no frame decided for 11.0 s (stall_s 10)'],
  ])('%o → ok %s', (at, ok, reason) => {
    const h = healthOf({ ...base, ...at });
    expect(h.ok).toBe(ok);
    expect(h.reason).toBe(reason);
  });
  it('reports a paused station as not inspecting', () => {
    expect(healthOf({ ...base, paused: true, now: 1, lastDecisionAt: 1 })).toMatchObject({ ok: false, reason: 'paused by an operator' });
  });
  it('reports a station whose database writes keep failing as unhealthy, though it still decides', () => {
    const h = healthOf({ ...base, now: 20_000, lastDecisionAt: 19_000, storeFailing: 'SQLITE_FULL: database or disk is full' });
    expect(h).toMatchObject({ ok: false, reason: 'database writes keep failing (SQLITE_FULL: database or disk is full)', last_decision_age_s: 1 });
    expect(healthOf({ ...base, now: 20_000, lastDecisionAt: 19_000, storeFailing: null }).ok).toBe(true);
  });
});

describe('Calibration', () => {
  it('records the next n scores, skips errors, proposes with the given rule', () => {
    const c = new Calibration({ kind: 'quantile_margin', q: 0.5, margin: 0.1 }, () => 1234);
    expect(c.view().state).toBe('idle');
    expect(c.add(0.5)).toBe(false); // not recording: ignored
    c.start(5);
    for (const s of [0.9, 0.8, null, 0.95]) c.add(s);
    expect(c.view()).toMatchObject({ state: 'recording', count: 3, target: 5, skipped: 1 });
    expect(c.proposal()).toBeNull();
    c.add(0.85);
    expect(c.add(0.7)).toBe(true);
    expect(c.add(0.1)).toBe(false); // done: later frames are not part of it
    const v = c.view();
    expect(v).toMatchObject({ state: 'done', count: 5, finished_ts: 1234 });
    // median of [0.7, 0.8, 0.85, 0.9, 0.95] = 0.85, minus the margin 0.1
    expect(c.proposal()).toBeCloseTo(0.75, 12);
    expect(v.proposed_rejects).toBe(1);
    expect(v.histogram.counts.reduce((a, b) => a + b, 0)).toBe(5);
  });
  it('applies median_mad from the card', () => {
    const c = new Calibration({ kind: 'median_mad', k: 2 });
    c.start(5);
    for (const s of [1, 2, 3, 4, 5]) c.add(s);
    // median 3, MAD 1 → 3 − 2·1.4826
    expect(c.proposal()).toBeCloseTo(3 - 2 * 1.4826, 12);
  });
  it.each([0, 4, 10_001, 5.5, NaN])('refuses n = %s', (n) => {
    expect(() => new Calibration({ kind: 'median_mad', k: 2 }).start(n)).toThrow(RangeError);
  });
  it('cancel returns to idle', () => {
    const c = new Calibration({ kind: 'median_mad', k: 2 });
    c.start(5);
    c.add(0.9);
    c.cancel();
    expect(c.view()).toMatchObject({ state: 'idle', count: 0, target: 0 });
  });
});

describe('auth helpers', () => {
  it.each([
    ['localhost', true], ['127.0.0.1', true], ['127.1.2.3', true], ['::1', true], ['[::1]', true], ['app.localhost', true],
    ['0.0.0.0', false], ['192.168.1.5', false], ['evil.example', false], ['127.0.0.1.evil.example', false], ['', false],
  ])('isLoopbackHost(%s) = %s', (h, want) => expect(isLoopbackHost(h)).toBe(want));
  it.each([
    ['127.0.0.1:8080', '127.0.0.1'], ['localhost', 'localhost'], ['[::1]:8080', '::1'], ['evil.example:80', 'evil.example'],
  ])('hostName(%s) = %s', (h, want) => expect(hostName(h)).toBe(want));
  it('reads cookies and bearer tokens, compares tokens exactly', () => {
    expect(cookieValue('a=1; inspectd_token=s%20x; b=2', 'inspectd_token')).toBe('s x');
    expect(cookieValue('inspectd_token_x=1', 'inspectd_token')).toBeNull();
    expect(cookieValue(undefined, 'x')).toBeNull();
    expect(bearer('Bearer abc ')).toBe('abc');
    expect(bearer('Basic abc')).toBeNull();
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abcd', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });
});

describe('statNum', () => {
  it('reads nested numbers and booleans, nothing else', () => {
    const s = { a: 1, b: { c: 2.5, d: true, e: 'x', f: NaN }, g: null };
    expect(statNum(s, 'a')).toBe(1);
    expect(statNum(s, 'b.c')).toBe(2.5);
    expect(statNum(s, 'b.d')).toBe(1);
    expect(statNum(s, 'b.e')).toBeUndefined();
    expect(statNum(s, 'b.f')).toBeUndefined();
    expect(statNum(s, 'g.h')).toBeUndefined();
    expect(statNum(s, 'zz')).toBeUndefined();
  });
});

describe('resolveInside (path traversal)', () => {
  const root = mkdtempSync(join(tmpdir(), 'inspectd-web-files-'));
  const images = join(root, 'images');
  mkdirSync(join(images, '2024-01-01'), { recursive: true });
  writeFileSync(join(images, '2024-01-01', '1-2.jpg'), 'jpeg');
  writeFileSync(join(root, 'secret.jpg'), 'secret');
  symlinkSync(join(root, 'secret.jpg'), join(images, '2024-01-01', 'link.jpg'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves a file inside the folder', async () => {
    const f = await resolveInside(images, '2024-01-01/1-2.jpg', IMAGE_TYPES);
    expect(f).toMatchObject({ type: 'image/jpeg', size: 4 });
  });
  it.each([
    ['../secret.jpg', 400], ['%2e%2e/secret.jpg', 400], ['2024-01-01/..%2f..%2fsecret.jpg', 400], ['..%5csecret.jpg', 400],
    ['%2Ftmp%2Fsecret.jpg', 400], ['2024-01-01/link.jpg', 400], ['2024-01-01/1-2.jpg%00.png', 400], ['./2024-01-01/1-2.jpg', 400],
    ['2024-01-01/notes.txt', 400], ['%E0%A4%A', 400], ['2024-01-01/missing.jpg', 404], ['2024-01-01', 400],
  ])('refuses %s with %i', async (rel, status) => {
    await expect(resolveInside(images, rel, IMAGE_TYPES)).rejects.toMatchObject({ status });
  });
});
