import { addDays, wallTime, zonedInstant, type ZoneName } from '../platform/index.js';

/**
 * Shift windows from the config's local start times (pure). Shifts are sorted by start; each
 * ends where the next begins and the last one runs past midnight into the first of the next
 * day, so a night shift 22:00 → 06:00 is one window. Instants come from the zone's own rules,
 * so a shift on a daylight-saving night is 7 or 9 hours long, as the clock on the wall says.
 */

export interface ShiftDef {
  name: string;
  /** "HH:MM", 24-hour, local time in the zone. */
  start: string;
}

export interface Window {
  /** Shift name, or 'today' / 'last hour'. */
  name: string;
  /** ms since epoch, inclusive. */
  start: number;
  /** ms since epoch, exclusive. */
  end: number;
}

type Day = { year: number; month: number; day: number };

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export class ShiftCalendar {
  private readonly shifts: Array<{ name: string; hour: number; minute: number }>;

  constructor(shifts: readonly ShiftDef[], private readonly zone: ZoneName) {
    if (shifts.length === 0) throw new RangeError('at least one shift is needed');
    this.shifts = [...shifts]
      .sort((a, b) => minutesOf(a.start) - minutesOf(b.start))
      .map((s) => ({ name: s.name, hour: Math.floor(minutesOf(s.start) / 60), minute: minutesOf(s.start) % 60 }));
  }

  private startOf(day: Day, i: number): number {
    const s = this.shifts[i];
    return zonedInstant(day.year, day.month, day.day, s.hour, s.minute, this.zone);
  }

  /** Where shift `i` of `day` ends: the next shift's start, or the first one's on the next day. */
  private endOf(day: Day, i: number): number {
    return i + 1 < this.shifts.length ? this.startOf(day, i + 1) : this.startOf(addDays(day, 1), 0);
  }

  /** The shift `ts` falls in. Before the day's first start, that is the previous day's last shift. */
  at(ts: number): Window {
    const w = wallTime(ts, this.zone);
    const today: Day = { year: w.year, month: w.month, day: w.day };
    for (const day of [today, addDays(today, -1)]) {
      for (let i = this.shifts.length - 1; i >= 0; i--) {
        const start = this.startOf(day, i);
        if (start <= ts) return { name: this.shifts[i].name, start, end: this.endOf(day, i) };
      }
    }
    // Unreachable: yesterday's last shift starts at most 48 h before ts.
    throw new RangeError(`no shift found for ${new Date(ts).toISOString()}`);
  }

  /** The shift `ts` falls in and the `count − 1` before it, newest first. */
  recent(ts: number, count: number): Window[] {
    const out: Window[] = [];
    let t = ts;
    for (let i = 0; i < count; i++) {
      const w = this.at(t);
      out.push(w);
      t = w.start - 1;
    }
    return out;
  }

  /** The local calendar day `ts` falls in, midnight to midnight. */
  day(ts: number): Window {
    const w = wallTime(ts, this.zone);
    const d: Day = { year: w.year, month: w.month, day: w.day };
    const next = addDays(d, 1);
    return { name: 'today', start: zonedInstant(d.year, d.month, d.day, 0, 0, this.zone), end: zonedInstant(next.year, next.month, next.day, 0, 0, this.zone) };
  }

  get size(): number {
    return this.shifts.length;
  }
}
