/**
 * The one validation of operator input, shared by MQTT `set/<name>` and the HTTP API, so the same
 * bad value gets the same answer whichever way it came in. Strict on purpose: a value that needs
 * guessing ("0x1", " 0.5 ", "1e-400") is refused with a message naming the field, never coerced.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

export const WHO_MAX = 64;
export const REASON_MAX = 200;
export const SAVE_IMAGES = ['rejects', 'all', 'none'] as const;
export type SaveImages = (typeof SAVE_IMAGES)[number];

/** JSON's own number grammar: no hex, no leading '+', '.5' or '5.', no surrounding blanks. */
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
/** Longer numeric strings are not typed by a person; they only smuggle precision or size. */
const DECIMAL_MAX_LEN = 32;
/**
 * Not printable text: C0/DEL/C1 controls (NUL, newline, ESC...), line/paragraph separators,
 * bidi overrides (they make a log line read differently from what it holds) and lone surrogates.
 */
const NOT_PRINTABLE = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069\p{Cs}]/u;

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

/** A short, escaped rendering of what was given, safe to put in an error, a log line or a response. */
export function shown(v: unknown): string {
  if (typeof v === 'string') return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}… (${v.length} characters)` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}

/** A command name in single quotes, escaped like JSON (an MQTT topic level may hold anything). */
export function nameShown(name: string): string {
  return `'${JSON.stringify(name.slice(0, 64)).slice(1, -1)}${name.length > 64 ? '…' : ''}'`;
}

/**
 * A finite number in [min, max]: a JSON number, or a string in the strict decimal grammar (query
 * strings and hand-typed MQTT payloads carry numbers as text).
 */
export function strictNumber(v: unknown, name: string, min: number, max: number, opts: { integer?: boolean } = {}): Checked<number> {
  let n: number;
  if (typeof v === 'number') {
    n = v;
  } else if (typeof v === 'string' && v.length <= DECIMAL_MAX_LEN && DECIMAL.test(v)) {
    n = Number(v);
    // "1e-400" reads as 0 and "1e400" as Infinity: the text did not mean either.
    if (n === 0 && /[1-9]/.test(v.replace(/[eE].*$/, ''))) return fail(`${name} must be a number (got ${shown(v)}, which is too small to represent)`);
  } else {
    return fail(`${name} must be a number (a JSON number or a decimal string such as "0.42"; got ${v === undefined ? 'nothing' : shown(v)})`);
  }
  if (!Number.isFinite(n)) return fail(`${name} must be a number (got ${shown(v)}, which is not finite)`);
  if (opts.integer && !Number.isInteger(n)) return fail(`${name} must be an integer (got ${shown(v)})`);
  if (n < min || n > max) return fail(`${name} must be between ${min} and ${max} (got ${shown(v)})`);
  // -0 would be stored and published as 0 anyway; say what is kept.
  return { ok: true, value: n === 0 ? 0 : n };
}

/** Optional printable text (who, reason): absent when undefined, null or ''. */
export function optText(v: unknown, name: string, maxLen: number): Checked<string | undefined> {
  if (v === undefined || v === null || v === '') return { ok: true, value: undefined };
  if (typeof v !== 'string') return fail(`${name} must be a string (got ${shown(v)})`);
  if (v.length > maxLen) return fail(`${name} must be at most ${maxLen} characters (got ${v.length})`);
  // Control characters would reach logs, SQLite and every dashboard as-is.
  const bad = NOT_PRINTABLE.exec(v);
  if (bad) return fail(`${name} must not contain control characters (U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at index ${bad.index})`);
  if (v.trim() === '') return fail(`${name} must not be blank`);
  return { ok: true, value: v };
}

export interface ThresholdArgs {
  value: number;
  who: string | undefined;
  reason: string | undefined;
}

/** `threshold {value, who?, reason?}`: the range is the config's (model.threshold in [-1, 1]). */
export function thresholdArgs(p: Record<string, unknown>): Checked<ThresholdArgs> {
  const value = strictNumber(p.value, 'value', -1, 1);
  if (!value.ok) return fail(`threshold: ${value.error}`);
  const who = optText(p.who, 'who', WHO_MAX);
  if (!who.ok) return fail(`threshold: ${who.error}`);
  const reason = optText(p.reason, 'reason', REASON_MAX);
  if (!reason.ok) return fail(`threshold: ${reason.error}`);
  return { ok: true, value: { value: value.value, who: who.value, reason: reason.value } };
}

export function saveImagesArg(p: Record<string, unknown>): Checked<SaveImages> {
  const v = p.value;
  if (typeof v === 'string' && (SAVE_IMAGES as readonly string[]).includes(v)) return { ok: true, value: v as SaveImages };
  return fail(`save_images: value must be 'rejects', 'all' or 'none' (got ${v === undefined ? 'nothing' : shown(v)})`);
}
