/**
 * Wall-clock time in a named time zone, with nothing but Intl (Node ships full ICU). Shifts are
 * written as local times ("06:00"), so turning them into instants must follow the zone's
 * daylight-saving changes; the system zone is used unless the config names one.
 */

/** 'local' (the system's zone) or an IANA name such as 'Europe/Berlin'. */
export type ZoneName = string;

export interface WallTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: ZoneName): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone === 'local' ? undefined : zone,
      hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(zone, f);
  }
  return f;
}

/** True when Intl knows the zone ('local' always is). */
export function isKnownZone(zone: string): boolean {
  if (zone === 'local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The IANA name behind 'local' (browsers get this to draw axes in the station's zone, not their own). */
export function resolveZone(zone: ZoneName): string {
  return format(zone).resolvedOptions().timeZone;
}

export function wallTime(ts: number, zone: ZoneName): WallTime {
  const p: Record<string, number> = {};
  for (const part of format(zone).formatToParts(new Date(ts))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

/** Zone offset at an instant, ms (UTC+2 → 7 200 000). Whole seconds: sub-second parts are not in the wall time. */
export function zoneOffsetMs(ts: number, zone: ZoneName): number {
  const w = wallTime(ts, zone);
  const t = Math.floor(ts / 1000) * 1000;
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - t;
}

/**
 * The instant a wall-clock time happens in the zone. A time that happens twice (the autumn hour)
 * maps to the first; a time skipped by a spring-forward change (02:30 on the night clocks jump
 * 02:00 → 03:00) is read with the offset before the change, so it lands just after the jump, as
 * `new Date(y, m, d, h, min)` does. Day overflow is allowed (day 0 = the last day of the month before).
 */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, zone: ZoneName): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  // Zones change offset at most once in a day: the offsets a day either side are the candidates.
  const before = zoneOffsetMs(guess - 86_400_000, zone);
  const after = zoneOffsetMs(guess + 86_400_000, zone);
  const valid = [guess - before, guess - after].filter((t) => zoneOffsetMs(t, zone) === guess - t);
  return valid.length ? Math.min(...valid) : guess - before;
}

/** The calendar date `days` after (or before) the given one, as a WallTime at 00:00. */
export function addDays(w: Pick<WallTime, 'year' | 'month' | 'day'>, days: number): Pick<WallTime, 'year' | 'month' | 'day'> {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
