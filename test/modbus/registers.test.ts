import { describe, it, expect } from 'vitest';
import type { OutputLine } from '../../src/actuate/types.js';
import {
  EXCEPTION, MAP_VERSION, NO_SCORE, NO_VERDICT, REG, REGISTER_COUNT, applyResult, checkRead, initialState, lineBits,
  registerWords, scaled1000, split32, unitAccepted, verdictCode, type ResultState,
} from '../../src/modbus/registers.js';

const levels = (on: OutputLine[]) => (l: OutputLine): 0 | 1 => (on.includes(l) ? 1 : 0);
const toInt16 = (w: number) => (w & 0x8000 ? w - 0x10000 : w);

describe('split32 (high word first)', () => {
  it.each([
    [0, [0, 0]],
    [1, [0, 1]],
    [0xffff, [0, 0xffff]],
    [0x10000, [1, 0]],
    [70_000, [1, 4464]],
    [0x1234_5678, [0x1234, 0x5678]],
    [0xffff_ffff, [0xffff, 0xffff]],
    [0x1_0000_0000, [0, 0]], // wraps mod 2^32
    [0x1_0000_0005, [0, 5]],
    [-1, [0xffff, 0xffff]],
    [12.9, [0, 12]],
    [NaN, [0, 0]],
  ])('%s → %j', (n, want) => {
    expect(split32(n)).toEqual(want);
  });
});

describe('scaled1000 (int16 in uint16 wire form, -32768 = none)', () => {
  it.each([
    [0.9876, 988],
    [0.5, 500],
    [1, 1000],
    [0, 0],
    [-0.25, 0xffff - 250 + 1],
    [-1, 0x10000 - 1000],
    [0.0004, 0],
    [0.0005, 1],
    [40, 32767], // clamped, never reaches the sentinel
    [-40, 0x10000 - 32767],
    [null, NO_SCORE],
    [undefined, NO_SCORE],
    [NaN, NO_SCORE],
    [Infinity, NO_SCORE],
  ])('%s → %d', (x, want) => {
    expect(scaled1000(x)).toBe(want);
  });
  it('NO_SCORE is -32768 when read as int16', () => expect(toInt16(NO_SCORE)).toBe(-32768));
});

describe('verdictCode', () => {
  it.each([['pass', 0], ['reject', 1], ['error', 2], [null, NO_VERDICT]] as const)('%s → %d', (v, want) => {
    expect(verdictCode(v)).toBe(want);
  });
});

describe('applyResult', () => {
  it('counts, remembers the last part and blanks the score of an error', () => {
    let s: ResultState = { ...initialState };
    s = applyResult(s, { seq: 7, score: 0.91, threshold: 0.8, verdict: 'pass', ts: 1_700_000_000_123 });
    expect(s).toEqual({ resultCounter: 1, seq: 7, verdict: 'pass', score: 0.91, threshold: 0.8, ts: 1_700_000_000_123, inspected: 1, rejected: 0, errors: 0 });
    s = applyResult(s, { seq: 8, score: 0.42, threshold: 0.8, verdict: 'reject' });
    expect(s).toMatchObject({ resultCounter: 2, seq: 8, verdict: 'reject', score: 0.42, inspected: 2, rejected: 1, errors: 0 });
    s = applyResult(s, { seq: 9, score: 0.99, threshold: 0.8, verdict: 'error' });
    expect(s).toMatchObject({ resultCounter: 3, seq: 9, verdict: 'error', score: null, inspected: 3, rejected: 1, errors: 1 });
  });
  it('does not mutate its input', () => {
    const s = { ...initialState };
    applyResult(s, { seq: 1, score: 0.5, threshold: 0.5, verdict: 'pass' });
    expect(s).toEqual(initialState);
  });
  it.each([
    [0, 1],
    [41, 42],
    [0xfffe, 0xffff],
    [0xffff, 1], // skips 0: 0 only means "no result yet"
  ])('result counter %d → %d', (from, to) => {
    expect(applyResult({ ...initialState, resultCounter: from }, { seq: 1, score: 1, threshold: 0.5, verdict: 'pass' }).resultCounter).toBe(to);
  });
});

describe('lineBits', () => {
  it.each([
    [[], 0],
    [['ready'], 0b0001],
    [['heartbeat'], 0b0010],
    [['reject'], 0b0100],
    [['result_valid'], 0b1000],
    [['ready', 'reject', 'result_valid'], 0b1101],
  ] as [OutputLine[], number][])('%j → %d', (on, want) => {
    expect(lineBits(levels(on))).toBe(want);
  });
});

describe('registerWords', () => {
  it('lays out the documented map before any part', () => {
    const w = registerWords(initialState, { level: levels([]), inFlight: 0, late: 0 });
    expect(w).toHaveLength(REGISTER_COUNT);
    expect(w).toEqual([MAP_VERSION, 0, 0, 0, NO_VERDICT, NO_SCORE, NO_SCORE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('puts every field at its documented address', () => {
    const s: ResultState = { resultCounter: 513, seq: 0x0102_0304, verdict: 'reject', score: 0.4321, threshold: 0.75, inspected: 70_000, rejected: 0x1_0002, errors: 3 };
    const w = registerWords(s, { level: levels(['ready', 'heartbeat']), inFlight: 4, late: 0x2_0001 });
    expect(w).toEqual([1, 513, 0x0102, 0x0304, 1, 432, 750, 0b0011, 1, 4464, 1, 2, 0, 3, 2, 1, 4]);
    expect(w[REG.seqHi] * 65536 + w[REG.seqLo]).toBe(s.seq);
    expect(w.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff)).toBe(true);
  });
  it('clamps in-flight parts to a word', () => {
    expect(registerWords(initialState, { level: levels([]), inFlight: 1e6, late: 0 })[REG.inFlight]).toBe(0xffff);
    expect(registerWords(initialState, { level: levels([]), inFlight: -3, late: 0 })[REG.inFlight]).toBe(0);
  });
});

describe('checkRead', () => {
  it.each([
    [17, 0, 17, 125, null],
    [17, 16, 1, 125, null],
    [17, 17, 1, 125, EXCEPTION.illegalDataAddress],
    [17, 15, 3, 125, EXCEPTION.illegalDataAddress],
    [17, 1000, 1, 125, EXCEPTION.illegalDataAddress],
    [17, 0, 0, 125, EXCEPTION.illegalDataValue],
    [17, 0, 126, 125, EXCEPTION.illegalDataValue],
    [4, 3, 1, 1, null],
    [4, 4, 1, 1, EXCEPTION.illegalDataAddress],
  ])('size %d addr %d len %d (max %d) → %s', (size, addr, len, max, want) => {
    expect(checkRead(size, addr, len, max)).toBe(want);
  });
});

describe('unitAccepted', () => {
  it.each([
    [1, 1, true],
    [1, 0, true],
    [1, 255, true],
    [1, 2, false],
    [17, 17, true],
    [17, 1, false],
    [0, 42, true],
    [255, 42, true],
  ])('configured %d, request %d → %s', (cfg, req, want) => {
    expect(unitAccepted(cfg, req)).toBe(want);
  });
});
