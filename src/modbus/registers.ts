import type { OutputLine } from '../actuate/index.js';
import { verdictCode, type ResultState } from '../events/index.js';

// The result state is shared with the OPC UA server (events/resultState.ts); re-exported for the map's users.
export { NO_VERDICT, applyResult, initialState, verdictCode, type ResultState } from '../events/index.js';

/**
 * The Modbus register map as pure data and functions: result state → 16-bit words, so every
 * number a PLC sees (word order, scaling, sentinels, wrap-around) is table-tested without a
 * socket. The map is documented in README.md next to this file; a change to the layout must bump
 * MAP_VERSION, because PLC programs hard-code these addresses.
 */

export const MAP_VERSION = 1;

/** Coil / discrete-input address → output line. Same order as the GPIO outputs a wired PLC sees. */
export const BIT_LINES: readonly OutputLine[] = ['ready', 'heartbeat', 'reject', 'result_valid'];

/** Register addresses (0-based protocol addresses; FC3 and FC4 serve the same block). */
export const REG = {
  mapVersion: 0,
  resultCounter: 1,
  seqHi: 2,
  seqLo: 3,
  verdict: 4,
  score: 5,
  threshold: 6,
  lineBits: 7,
  inspectedHi: 8,
  inspectedLo: 9,
  rejectedHi: 10,
  rejectedLo: 11,
  errorsHi: 12,
  errorsLo: 13,
  lateHi: 14,
  lateLo: 15,
  inFlight: 16,
} as const;
export const REGISTER_COUNT = 17;

/** Modbus exception codes this server answers with. */
export const EXCEPTION = {
  illegalFunction: 0x01,
  illegalDataAddress: 0x02,
  illegalDataValue: 0x03,
  /** Used for a unit id that is not ours: an immediate, diagnosable answer instead of a PLC timeout. */
  gatewayTargetFailed: 0x0b,
} as const;
export type ExceptionCode = (typeof EXCEPTION)[keyof typeof EXCEPTION];

/** Most registers one FC3/FC4 request may ask for (Modbus application protocol spec, 6.3/6.4). */
export const MAX_READ_REGISTERS = 125;

/** -32768: "no score" — the one int16 value a real score ×1000 can never take (it is clamped). */
export const NO_SCORE = 0x8000;

/** Live values read at request time (not carried by the event). */
export interface LiveValues {
  level: (line: OutputLine) => 0 | 1;
  inFlight: number;
  late: number;
}

/** Unsigned 32-bit (mod 2^32) as [high word, low word] — big-endian word order, like the bytes. */
export function split32(n: number): [number, number] {
  const u = Number.isFinite(n) ? ((Math.trunc(n) % 0x1_0000_0000) + 0x1_0000_0000) % 0x1_0000_0000 : 0;
  return [Math.floor(u / 0x10000), u % 0x10000];
}

/** A score or threshold ×1000 as an int16 in its uint16 wire form; NO_SCORE when absent. */
export function scaled1000(x: number | null | undefined): number {
  if (x === null || x === undefined || !Number.isFinite(x)) return NO_SCORE;
  // Clamp to ±32767 so -32768 stays reserved for "none" (the shipped rules' scores live in [-1, 1] anyway).
  const v = Math.max(-32767, Math.min(32767, Math.round(x * 1000)));
  return v & 0xffff;
}

/** The coil levels packed into one word (bit n = coil n) for PLCs that only speak FC3. */
export function lineBits(level: (line: OutputLine) => 0 | 1): number {
  return BIT_LINES.reduce((w, line, i) => (level(line) === 1 ? w | (1 << i) : w), 0);
}

export function registerWords(s: Readonly<ResultState>, live: LiveValues): number[] {
  const w = new Array<number>(REGISTER_COUNT).fill(0);
  w[REG.mapVersion] = MAP_VERSION;
  w[REG.resultCounter] = s.resultCounter;
  [w[REG.seqHi], w[REG.seqLo]] = split32(s.seq);
  w[REG.verdict] = verdictCode(s.verdict);
  w[REG.score] = scaled1000(s.score);
  w[REG.threshold] = scaled1000(s.threshold);
  w[REG.lineBits] = lineBits(live.level);
  [w[REG.inspectedHi], w[REG.inspectedLo]] = split32(s.inspected);
  [w[REG.rejectedHi], w[REG.rejectedLo]] = split32(s.rejected);
  [w[REG.errorsHi], w[REG.errorsLo]] = split32(s.errors);
  [w[REG.lateHi], w[REG.lateLo]] = split32(live.late);
  w[REG.inFlight] = Math.max(0, Math.min(0xffff, Math.trunc(live.inFlight) || 0));
  return w;
}

/** Validates a read of `len` items at `addr` in a table of `size`: null when fine, else the exception. */
export function checkRead(size: number, addr: number, len: number, maxLen: number): ExceptionCode | null {
  if (!Number.isInteger(len) || len < 1 || len > maxLen) return EXCEPTION.illegalDataValue;
  if (!Number.isInteger(addr) || addr < 0 || addr + len > size) return EXCEPTION.illegalDataAddress;
  return null;
}

/**
 * Unit ids we answer: the configured one, plus 0 and 255, which Modbus TCP clients use for "the
 * device at this IP" (the TCP implementation guide recommends 0xFF); 0 or 255 configured = any.
 */
export function unitAccepted(configured: number, requested: number): boolean {
  if (configured === 0 || configured === 255) return true;
  return requested === configured || requested === 0 || requested === 255;
}
