import { describe, expect, it } from 'vitest';
import { isKnownZone, wallTime, zonedInstant, zoneOffsetMs } from '../../src/platform/timeZone.js';
import { ShiftCalendar } from '../../src/web/shifts.js';

const THREE = [{ name: 'early', start: '06:00' }, { name: 'late', start: '14:00' }, { name: 'night', start: '22:00' }];
const iso = (t: number) => new Date(t).toISOString();

describe('time zone arithmetic', () => {
  it('turns wall-clock times into instants, winter and summer', () => {
    expect(iso(zonedInstant(2026, 1, 15, 6, 0, 'Europe/Berlin'))).toBe('2026-01-15T05:00:00.000Z');
    expect(iso(zonedInstant(2026, 7, 15, 6, 0, 'Europe/Berlin'))).toBe('2026-07-15T04:00:00.000Z');
    expect(iso(zonedInstant(2026, 7, 15, 6, 0, 'America/New_York'))).toBe('2026-07-15T10:00:00.000Z');
    expect(iso(zonedInstant(2026, 1, 15, 6, 0, 'UTC'))).toBe('2026-01-15T06:00:00.000Z');
    expect(zoneOffsetMs(Date.UTC(2026, 0, 15), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });

  it('a time skipped by spring-forward lands after the jump; a repeated autumn time maps to its first occurrence', () => {
    // Berlin 2026-03-29: 02:00 CET → 03:00 CEST at 01:00 UTC; 02:30 does not exist.
    expect(iso(zonedInstant(2026, 3, 29, 2, 30, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
    // Berlin 2026-10-25: 03:00 CEST → 02:00 CET at 01:00 UTC; 02:30 happens at 00:30 and 01:30 UTC.
    expect(iso(zonedInstant(2026, 10, 25, 2, 30, 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
    expect(wallTime(Date.UTC(2026, 9, 25, 1, 30), 'Europe/Berlin')).toMatchObject({ hour: 2, minute: 30 });
  });

  it('knows IANA names and local, and refuses others', () => {
    expect(isKnownZone('local')).toBe(true);
    expect(isKnownZone('Europe/Berlin')).toBe(true);
    expect(isKnownZone('Mars/Olympus')).toBe(false);
  });
});

describe('shift calendar', () => {
  const cal = new ShiftCalendar(THREE, 'Europe/Berlin');
  const at = (s: string) => Date.parse(s);

  it('finds the shift an instant falls in; the night shift crosses midnight as one window', () => {
    expect(cal.at(at('2026-01-15T09:00:00Z'))).toEqual({ name: 'early', start: at('2026-01-15T05:00:00Z'), end: at('2026-01-15T13:00:00Z') });
    // 23:30 local on the 15th and 03:00 local on the 16th are the same night shift.
    const night = { name: 'night', start: at('2026-01-15T21:00:00Z'), end: at('2026-01-16T05:00:00Z') };
    expect(cal.at(at('2026-01-15T22:30:00Z'))).toEqual(night);
    expect(cal.at(at('2026-01-16T02:00:00Z'))).toEqual(night);
  });

  it('rolls over exactly at a start: the start instant belongs to the new shift, the instant before to the old', () => {
    const start = at('2026-01-15T13:00:00Z'); // 14:00 local
    expect(cal.at(start).name).toBe('late');
    expect(cal.at(start - 1).name).toBe('early');
    expect(cal.at(start - 1).end).toBe(start);
  });

  it('accepts shifts in any order and a single 24-hour shift', () => {
    const shuffled = new ShiftCalendar([THREE[2], THREE[0], THREE[1]], 'UTC');
    expect(shuffled.at(at('2026-01-15T15:00:00Z')).name).toBe('late');
    const one = new ShiftCalendar([{ name: 'day', start: '07:30' }], 'UTC');
    expect(one.at(at('2026-01-15T03:00:00Z'))).toEqual({ name: 'day', start: at('2026-01-14T07:30:00Z'), end: at('2026-01-15T07:30:00Z') });
  });

  it('lists recent shifts newest first, back to back', () => {
    const r = cal.recent(at('2026-01-15T09:00:00Z'), 4);
    expect(r.map((w) => w.name)).toEqual(['early', 'night', 'late', 'early']);
    for (let i = 1; i < r.length; i++) expect(r[i].end).toBe(r[i - 1].start);
  });

  it('a shift on a daylight-saving night is as long as the wall clock says (7 h in spring, 9 h in autumn)', () => {
    const spring = cal.at(at('2026-03-29T02:00:00Z'));
    expect(spring.name).toBe('night');
    expect((spring.end - spring.start) / 3_600_000).toBe(7);
    const autumn = cal.at(at('2026-10-25T02:00:00Z'));
    expect((autumn.end - autumn.start) / 3_600_000).toBe(9);
  });

  it('today is local midnight to midnight', () => {
    expect(cal.day(at('2026-01-15T23:30:00Z'))).toEqual({ name: 'today', start: at('2026-01-15T23:00:00Z'), end: at('2026-01-16T23:00:00Z') });
    expect(cal.day(at('2026-01-15T22:30:00Z'))).toEqual({ name: 'today', start: at('2026-01-14T23:00:00Z'), end: at('2026-01-15T23:00:00Z') });
  });
});
