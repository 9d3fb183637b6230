import { describe, expect, it } from 'vitest';
import { applyResult, initialState } from '../../src/events/resultState.js';
import { SeqCounter, deviceMetrics, isRebirth, nextBdSeq, nodeDeath, topics } from '../../src/sparkplug/payloads.js';

describe('Sparkplug B payload contents', () => {
  it('topics follow spBv1.0/<group>/<type>/<node>[/<device>]', () => {
    expect(topics({ group: 'g', node: 'n', device: 'd' })).toEqual({
      nbirth: 'spBv1.0/g/NBIRTH/n', ndeath: 'spBv1.0/g/NDEATH/n', ncmd: 'spBv1.0/g/NCMD/n', dbirth: 'spBv1.0/g/DBIRTH/n/d', ddata: 'spBv1.0/g/DDATA/n/d',
    });
  });

  it('seq: 0 at each birth, then 1..255, 0, 1 …; bdSeq: next after the stored one, 255 → 0', () => {
    const s = new SeqCounter();
    expect(s.birth()).toBe(0);
    const got = Array.from({ length: 300 }, () => s.next());
    expect(got[0]).toBe(1);
    expect(got[254]).toBe(255);
    expect(got[255]).toBe(0);
    expect(s.birth()).toBe(0);
    expect(s.next()).toBe(1);
    expect([nextBdSeq(null), nextBdSeq(0), nextBdSeq(254), nextBdSeq(255), nextBdSeq(1.5)]).toEqual([0, 1, 255, 0, 0]);
  });

  it('NDEATH carries only bdSeq, and no seq', () => {
    expect(nodeDeath(9, 1000)).toEqual({ timestamp: 1000, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 9, timestamp: 1000 }] });
  });

  it('device metrics: counts, reject rate in %, last part; nulls before the first part and for an error score', () => {
    const byName = (m: ReturnType<typeof deviceMetrics>) => Object.fromEntries(m.map((x) => [x.name, x.isNull ? null : x.value]));
    expect(byName(deviceMetrics(initialState, 1))).toEqual({
      'Counts/Inspected': 0, 'Counts/Passed': 0, 'Counts/Rejected': 0, 'Counts/Errors': 0, 'Counts/Reject Rate': 0,
      'Last/Seq': null, 'Last/Verdict': null, 'Last/Score': null, 'Last/Threshold': null,
    });
    let s = applyResult(initialState, { seq: 1, score: 0.2, threshold: 0.5, verdict: 'reject' });
    s = applyResult(s, { seq: 2, score: 0.9, threshold: 0.5, verdict: 'pass' });
    s = applyResult(s, { seq: 3, score: null, threshold: 0.5, verdict: 'error' });
    s = applyResult(s, { seq: 4, score: 0.1, threshold: 0.5, verdict: 'reject' });
    expect(byName(deviceMetrics(s, 1))).toMatchObject({ 'Counts/Inspected': 4, 'Counts/Passed': 1, 'Counts/Rejected': 2, 'Counts/Errors': 1, 'Counts/Reject Rate': 50, 'Last/Seq': 4, 'Last/Verdict': 'reject', 'Last/Score': 0.1 });
    s = applyResult(s, { seq: 5, score: null, threshold: 0.5, verdict: 'error' });
    expect(byName(deviceMetrics(s, 1))['Last/Score']).toBeNull();
  });

  it('only "Node Control/Rebirth" = true asks for a rebirth', () => {
    expect(isRebirth({ metrics: [{ name: 'Node Control/Rebirth', value: true }] })).toBe(true);
    expect(isRebirth({ metrics: [{ name: 'Node Control/Rebirth', value: false }] })).toBe(false);
    expect(isRebirth({ metrics: [{ name: 'Node Control/Reboot', value: true }] })).toBe(false);
    expect(isRebirth({ metrics: null })).toBe(false);
  });
});
