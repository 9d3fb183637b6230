import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

export type LogFormat = 'json' | 'pretty';

/**
 * JSON lines where a machine reads them (journald, a pipe, a file); lines for people on a
 * terminal. INSPECTD_LOG_FORMAT=json|pretty overrides the guess (e.g. pretty through `| less`).
 */
export function logFormat(outIsTTY: boolean, env: Readonly<Record<string, string | undefined>>): LogFormat {
  const forced = env.INSPECTD_LOG_FORMAT;
  if (forced === 'json' || forced === 'pretty') return forced;
  return outIsTTY ? 'pretty' : 'json';
}

export function createLogger(o: { level: string; station: string; out: Writable; format: LogFormat }): Logger {
  const base = { station: o.station };
  const dest = o.format === 'pretty' ? prettyStream(o.out) : o.out;
  return pino({ level: o.level, base, formatters: { log: (obj) => tidy(obj, base) } }, dest);
}

/**
 * Every log line, whoever writes it: durations (`*_ms`) rounded to 0.01 ms (performance.now()
 * differences print as 4.239341000000422), and a key that repeats a base binding with the same
 * value left out (pino writes both, and the JSON line then has the key twice). Stored and
 * published figures are not touched: this runs on the copy pino serialises.
 */
export function tidy(obj: Record<string, unknown>, base: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k in base && base[k] === v) continue;
    out[k] = roundMs(k, v);
  }
  return out;
}

function roundMs(key: string, v: unknown): unknown {
  if (typeof v === 'number') return key.endsWith('_ms') && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v;
  if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Error) && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundMs(k, x)]));
  }
  return v;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'msg', 'station', 'stage', 'pid', 'hostname']);

/** One pino JSON line as `12:00:01.234 WARN  [mqtt] MQTT disconnected  pending=3 url=mqtt://…`. */
export function prettyLine(json: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const t = new Date(Number(r.time));
  const hh = (n: number, w = 2) => String(n).padStart(w, '0');
  const time = Number.isFinite(t.getTime()) ? `${hh(t.getHours())}:${hh(t.getMinutes())}:${hh(t.getSeconds())}.${hh(t.getMilliseconds(), 3)}` : '';
  const level = (LEVELS[Number(r.level)] ?? String(r.level)).padEnd(5);
  const stage = r.stage ? `[${String(r.stage)}] ` : '';
  const fields = Object.entries(r).filter(([k]) => !OMIT.has(k)).map(([k, v]) => `${k}=${fieldText(v)}`);
  const err = r.err as { stack?: string } | undefined;
  const tail = err?.stack ? `\n    ${err.stack.split('\n').join('\n    ')}` : '';
  return `${time} ${level} ${stage}${String(r.msg ?? '')}${fields.length ? '  ' + fields.join(' ') : ''}${tail}`;
}

function fieldText(v: unknown): string {
  if (typeof v === 'string') return /[\s="]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v && typeof v === 'object' && 'message' in (v as object) && 'stack' in (v as object)) return JSON.stringify((v as { message: string }).message);
  return JSON.stringify(v);
}

/** A destination for pino that writes each JSON line to `out` as a line for people. */
export function prettyStream(out: Writable): Writable {
  return new Writable({
    // Handed on at once (not after out's callback): nothing may sit here when the process exits.
    write(chunk: Buffer, _enc, cb) {
      out.write(chunk.toString('utf8').split('\n').filter(Boolean).map(prettyLine).join('\n') + '\n');
      cb();
    },
  });
}
