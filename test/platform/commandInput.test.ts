import { describe, expect, it } from 'vitest';
import { optText, strictNumber, thresholdArgs } from '../../src/platform/commandInput.js';

describe('strictNumber', () => {
  it.each([
    [0.42, 0.42], ['0.42', 0.42], ['-1', -1], ['1', 1], ['0', 0], ['-0', 0], ['5e-1', 0.5], ['0e5', 0], ['1E-320', 1e-320],
  ])('accepts %j as %d', (v, n) => {
    expect(strictNumber(v, 'value', -1, 1)).toEqual({ ok: true, value: n });
  });

  it.each([
    ['0x1', /must be a number \(a JSON number or a decimal string/],
    [' 0.5 ', /must be a number/],
    ['+0.5', /must be a number/],
    ['.5', /must be a number/],
    ['5.', /must be a number/],
    ['1_0', /must be a number/],
    ['', /must be a number/],
    ['NaN', /must be a number/],
    ['Infinity', /must be a number/],
    ['1e-400', /got "1e-400", which is too small to represent/],
    ['1e400', /which is not finite/],
    [Number.NaN, /got NaN, which is not finite/],
    [Number.POSITIVE_INFINITY, /which is not finite/],
    ['0.' + '1'.repeat(40), /must be a number/],
    [true, /got true/],
    [null, /got null/],
    [undefined, /got nothing/],
    [[0.5], /got an array/],
    [2, /must be between -1 and 1 \(got 2\)/],
    ['-1.5', /must be between -1 and 1 \(got "-1.5"\)/],
  ])('refuses %j', (v, msg) => {
    const r = strictNumber(v, 'value', -1, 1);
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(msg);
  });

  it('integer fields refuse fractions', () => {
    expect(strictNumber('10', 'limit', 1, 100, { integer: true })).toEqual({ ok: true, value: 10 });
    expect(strictNumber('1.5', 'limit', 1, 100, { integer: true })).toEqual({ ok: false, error: 'limit must be an integer (got "1.5")' });
  });
});

describe('optText', () => {
  it.each([undefined, null, ''])('treats %j as absent', (v) => {
    expect(optText(v, 'who', 64)).toEqual({ ok: true, value: undefined });
  });

  it('keeps printable text, Unicode included', () => {
    expect(optText('Anna Müller 👷', 'who', 64)).toEqual({ ok: true, value: 'Anna Müller 👷' });
  });

  it.each([
    ['a\u0000b', 'who must not contain control characters (U+0000 at index 1)'],
    ['a\nb', 'who must not contain control characters (U+000A at index 1)'],
    ['\u001b[31mred', 'who must not contain control characters (U+001B at index 0)'],
    ['a\u007f', 'who must not contain control characters (U+007F at index 1)'],
    ['a\u0085', 'who must not contain control characters (U+0085 at index 1)'],
    ['a\u2028b', 'who must not contain control characters (U+2028 at index 1)'],
    ['evil\u202e', 'who must not contain control characters (U+202E at index 4)'],
    ['x\ud800', 'who must not contain control characters (U+D800 at index 1)'],
    ['   ', 'who must not be blank'],
    ['x'.repeat(65), 'who must be at most 64 characters (got 65)'],
    [42, 'who must be a string (got 42)'],
    [{ a: 1 }, 'who must be a string (got an object)'],
  ])('refuses %j', (v, error) => {
    expect(optText(v, 'who', 64)).toEqual({ ok: false, error });
  });
});

describe('thresholdArgs', () => {
  it('names the command and the field', () => {
    expect(thresholdArgs({ value: '0x1' })).toMatchObject({ ok: false, error: expect.stringMatching(/^threshold: value must be a number/) });
    expect(thresholdArgs({ value: 0.5, reason: 'r'.repeat(201) })).toEqual({ ok: false, error: 'threshold: reason must be at most 200 characters (got 201)' });
    expect(thresholdArgs({ value: '0.25', who: 'ann', reason: '' })).toEqual({ ok: true, value: { value: 0.25, who: 'ann', reason: undefined } });
  });
});
