import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DashboardSchema } from '../../src/config/schema.js';
import { badge, rates, resolveBands } from '../../src/web/bands.js';
import { bucketize } from '../../src/web/shiftApi.js';
import { ROOT } from './harness.js';

const defaults = DashboardSchema.parse({}).bands;
const counts = (pass: number, reject: number, error = 0, dropped = 0) => ({ pass, reject, error, dropped });

describe('status bands', () => {
  it('auto: amber at the upper 95 % bound of the shipped card\'s expected false-reject rate, red at twice that', () => {
    const card = JSON.parse(readFileSync(join(ROOT, 'models/casting-int8.card.json'), 'utf8'));
    const upper = card.calibration.expected_false_reject_rate.ci95_wilson[1] as number;
    const b = resolveBands(defaults, card.calibration);
    expect(b.reject).toEqual({ amber: Math.round(1000 * upper) / 10, red: Math.round(2000 * upper) / 10, from: 'model card' });
    expect(b.error).toEqual({ amber: 1, red: 5 });
    expect(resolveBands(defaults, undefined).reject).toEqual({ amber: 5, red: 10, from: 'default' });
    expect(resolveBands({ ...defaults, reject_rate_pct: { amber: 2, red: 4 } }, card.calibration).reject).toEqual({ amber: 2, red: 4, from: 'config' });
  });

  it('rates: reject rate over inspected parts, not-inspected rate over all frames, null with nothing to divide', () => {
    expect(rates(counts(70, 10, 15, 5))).toEqual({ parts: 100, inspected: 80, yield_pct: 70, reject_pct: 12.5, error_pct: 20 });
    expect(rates(counts(0, 0))).toEqual({ parts: 0, inspected: 0, yield_pct: null, reject_pct: null, error_pct: null });
  });

  it.each([
    [counts(95, 5), 'ok', []],
    [counts(89, 11), 'amber', ['Reject rate 11 % in the last 15 min (normal: under 10 %)']],
    [counts(97, 2, 1, 0), 'amber', ['Parts not inspected 1.0 % in the last 15 min (normal: under 1 %)']],
    [counts(70, 25, 5, 0), 'red', ['Reject rate 26 % in the last 15 min (normal: under 10 %)', 'Parts not inspected 5.0 % in the last 15 min (normal: under 1 %)']],
    [counts(0, 0, 0, 40), 'red', ['Parts not inspected 100 % in the last 15 min (normal: under 1 %)']],
    [counts(10, 10), 'quiet', ['20 parts in the last 15 min: too few to judge (at least 30)']],
  ] as const)('badge for %j: %s', (c, level, reasons) => {
    const b = resolveBands({ ...defaults, reject_rate_pct: { amber: 10, red: 20 } }, undefined);
    expect(badge(c, b)).toMatchObject({ level, reasons });
  });

  it('bucketize sums minutes into buckets counted from the range start', () => {
    const start = Date.UTC(2026, 0, 15, 6, 0);
    const m = (min: number, pass: number) => ({ ts: start + min * 60_000, pass, reject: 1, error: 0, dropped: 0 });
    expect(bucketize([m(0, 1), m(4, 2), m(5, 3), m(12, 4)], start, 5 * 60_000)).toEqual([
      { ts: start, pass: 3, reject: 2, error: 0, dropped: 0 },
      { ts: start + 5 * 60_000, pass: 3, reject: 1, error: 0, dropped: 0 },
      { ts: start + 10 * 60_000, pass: 4, reject: 1, error: 0, dropped: 0 },
    ]);
  });
});

describe('dashboard config', () => {
  it('defaults to three 8-hour shifts in the system zone', () => {
    expect(DashboardSchema.parse({})).toMatchObject({ timezone: 'local', shifts: [{ name: 'early', start: '06:00' }, { name: 'late', start: '14:00' }, { name: 'night', start: '22:00' }] });
  });

  it.each([
    [{ timezone: 'Mars/Olympus' }, 'timezone', 'unknown time zone'],
    [{ shifts: [{ name: 'a', start: '6:00' }] }, 'shifts.0.start', 'start must be HH:MM'],
    [{ shifts: [{ name: 'a', start: '24:00' }] }, 'shifts.0.start', 'start must be HH:MM'],
    [{ shifts: [{ name: 'a', start: '06:00' }, { name: 'b', start: '06:00' }] }, 'shifts.1.start', 'two shifts with start "06:00"'],
    [{ shifts: [{ name: 'a', start: '06:00' }, { name: 'a', start: '18:00' }] }, 'shifts.1.name', 'two shifts with name "a"'],
    [{ shifts: [] }, 'shifts', ''],
    [{ bands: { reject_rate_pct: { amber: 20, red: 10 } } }, 'bands.reject_rate_pct', 'red must be at or above amber'],
  ])('refuses %j at %s', (cfg, path, message) => {
    const r = DashboardSchema.safeParse(cfg);
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path.join('.') === path);
    expect(issue, JSON.stringify(r.error!.issues)).toBeDefined();
    expect(issue!.message).toContain(message);
  });
});
