import { describe, expect, it } from 'vitest';
import { applyResult, initialState } from '../../src/events/resultState.js';
import { LINE_VARS, RESULT_VARS, SAMPLED_VARS, SETTING_VARS, counterValue, nodeIdOf, resultValues } from '../../src/opcua/nodes.js';

describe('OPC UA node table', () => {
  it('has one unique node id per variable, and a value for every result variable', () => {
    const all = [...LINE_VARS, ...RESULT_VARS, ...SAMPLED_VARS, ...SETTING_VARS].map(nodeIdOf);
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(resultValues(initialState)).sort()).toEqual(RESULT_VARS.map(nodeIdOf).sort());
    expect(LINE_VARS.map((l) => l.line).sort()).toEqual(['heartbeat', 'ready', 'reject', 'result_valid']);
  });

  it('before any part: last result BadWaitingForInitialData, counters Good zeros', () => {
    const v = resultValues(initialState);
    for (const id of ['LastResult.Seq', 'LastResult.Verdict', 'LastResult.VerdictCode', 'LastResult.Score', 'LastResult.Threshold', 'LastResult.CaptureTime']) {
      expect(v[id]).toEqual({ value: null, quality: 'BadWaitingForInitialData' });
    }
    expect(v['LastResult.ResultCounter']).toEqual({ value: 0, quality: 'Good' });
    expect(v['Counters.Inspected']).toEqual({ value: 0, quality: 'Good' });
  });

  it('after parts: typed values; an error has no score (BadNoData), not a sentinel', () => {
    let s = applyResult(initialState, { seq: 2 ** 32 + 5, score: 0.91, threshold: 0.8, verdict: 'pass', ts: 1_700_000_000_000 });
    let v = resultValues(s);
    expect(v['LastResult.Seq']).toEqual({ value: 5, quality: 'Good' }); // mod 2^32, like the Modbus registers
    expect(v['LastResult.Verdict']).toEqual({ value: 'pass', quality: 'Good' });
    expect(v['LastResult.VerdictCode']).toEqual({ value: 0, quality: 'Good' });
    expect(v['LastResult.Score']).toEqual({ value: 0.91, quality: 'Good' });
    expect(v['LastResult.CaptureTime']).toEqual({ value: new Date(1_700_000_000_000), quality: 'Good' });
    s = applyResult(s, { seq: 6, score: null, threshold: 0.8, verdict: 'error', ts: 1_700_000_000_100 });
    v = resultValues(s);
    expect(v['LastResult.Score']).toEqual({ value: null, quality: 'BadNoData' });
    expect(v['LastResult.VerdictCode']).toEqual({ value: 2, quality: 'Good' });
    expect([v['Counters.Inspected'].value, v['Counters.Errors'].value, v['Counters.Rejected'].value]).toEqual([2, 1, 0]);
  });

  it('sampled counters are UInt32: clamped at 0, wrapped at 2^32', () => {
    expect([counterValue(-3), counterValue(7), counterValue(2 ** 32 + 1), counterValue(Number.NaN)]).toEqual([0, 7, 1, 0]);
  });
});
